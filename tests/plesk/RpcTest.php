<?php
/** The XML API (<mail-tls><OPERATION/></mail-tls>): every operation, end to end into the helper. */
class RpcTest extends LiveTestCase
{
    private static function ok(SimpleXMLElement $result, $op)
    {
        if ((string)$result->status !== 'ok') {
            throw new RuntimeException("$op: " . $result->errcode . ' ' . $result->errtext);
        }
        return json_decode((string)$result->{'mail-tls'}->{$op}->json, true);
    }

    public function testCapabilitiesAndStatus()
    {
        $caps = self::ok(MailTlsTest::xml('<capabilities/>'), 'capabilities');
        $this->assertSame(['postfix', 'dovecot', 'courier'], array_column($caps['services'], 'service'));
        $status = self::ok(MailTlsTest::xml('<status/>'), 'status');
        $this->assertSame(self::floors(self::direct(['api' => 1, 'action' => 'status'])), self::floors($status));
        $this->assertSame('plesk-xmlapi', json_decode(pm_ApiCli::$calls[1]['stdin'], true)['actor']);
        $live = self::ok(MailTlsTest::xml('<status><live/></status>'), 'status');
        $this->assertSame('TLSv1.2', self::floors($live)['postfix/smtps'][2]);
    }

    public function testSetRollbackWithActionLog()
    {
        $dry = self::ok(MailTlsTest::xml('<set><service>dovecot</service><min>TLSv1</min><dry-run/></set>'), 'set');
        $this->assertTrue($dry['dry_run']);
        $result = MailTlsTest::xml('<set><service>dovecot</service><min>TLSv1.3</min></set>');
        $set = self::ok($result, 'set');
        $this->assertSame($set['change_id'], (string)$result->{'mail-tls'}->set->{'change-id'});
        $this->assertSame('TLSv1.3', pm_ActionLog::$events[0]['new']['dovecot/pop3s']);
        $probe = self::ok(MailTlsTest::xml('<probe><endpoint>dovecot/pop3s</endpoint></probe>'), 'probe');
        $this->assertSame(['dovecot/pop3s' => 'TLSv1.3'], self::lowest($probe));
        $history = self::ok(MailTlsTest::xml('<history><limit>1</limit></history>'), 'history');
        $this->assertSame($set['change_id'], $history['changes'][0]['change_id']);
        $back = self::ok(MailTlsTest::xml("<rollback><change-id>{$set['change_id']}</change-id></rollback>"), 'rollback');
        $this->assertSame($set['change_id'], $back['rolls_back']);
        $this->assertCount(2, pm_ActionLog::$events);
        $this->assertThinCalls();
    }

    public function testPresetComplianceDiagnose()
    {
        $preset = self::ok(MailTlsTest::xml('<set><preset>modern</preset><service>postfix</service><dry-run/></set>'), 'set');
        $this->assertSame('TLSv1.3', $preset['services'][0]['after']['smtps']);
        $pci = self::ok(MailTlsTest::xml('<compliance><enable/><service>courier</service><dry-run/></compliance>'), 'compliance');
        $this->assertTrue($pci['dry_run']);
        $diag = self::ok(MailTlsTest::xml('<diagnose><top>3</top></diagnose>'), 'diagnose');
        $this->assertArrayHasKey('failures', $diag);
        $this->assertSame([], pm_ActionLog::$events);
    }

    public function testHelperErrorsAreXmlApiErrors()
    {
        $cases = [
            '<set><service>dovecot</service><min>SSLv3</min></set>' => [5109, 'invalid_version'],
            '<set><service>exim</service><min>TLSv1</min></set>' => [5104, 'unknown_service'],
            '<rollback><change-id>00000000-0000-4000-8000-000000000000</change-id></rollback>' => [5112, 'unknown_change'],
            '<probe><endpoint>postfix/outbound</endpoint></probe>' => [5106, 'unknown_endpoint'],
            '<history><limit>500</limit></history>' => [5101, 'bad_request'],
            '<set><service>dovecot</service><endpoint>imap</endpoint><min>TLSv1</min></set>' => [5110, 'unsupported_floor'],
        ];
        foreach ($cases as $xml => [$errcode, $code]) {
            $r = MailTlsTest::xml($xml);
            $this->assertSame('error', (string)$r->status, $xml);
            $this->assertSame((string)$errcode, (string)$r->errcode, $xml . ' ' . $r->errtext);
            $this->assertStringStartsWith("$code: ", (string)$r->errtext);
        }
    }
}
