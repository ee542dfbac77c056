<?php
/** `plesk ext mail-tls --<command>`: every command, end to end into the helper and the sandbox daemons. */
class CliTest extends LiveTestCase
{
    public function testStatusIsTheHelpersReply()
    {
        $r = MailTlsTest::cli(['--status']);
        $this->assertSame(0, $r['code']);
        $this->assertTrue($r['reply']['ok']);
        $this->assertSame(self::floors(self::direct(['api' => 1, 'action' => 'status'])), self::floors($r['reply']));
        $this->assertSame('TLSv1.2', self::floors($r['reply'])['dovecot/imaps'][1]);
        $this->assertSame('plesk-cli', json_decode(pm_ApiCli::$calls[0]['stdin'], true)['actor']);
        $this->assertThinCalls();
    }

    public function testStatusLiveShowsTheProbedFloor()
    {
        $r = MailTlsTest::cli(['--status', '-live']);
        $this->assertSame(0, $r['code']);
        $floors = self::floors($r['reply']);
        foreach (['postfix/submission', 'dovecot/imap', 'courier/pop3s'] as $ep) {
            $this->assertSame('TLSv1.2', $floors[$ep][2], $ep);
        }
    }

    public function testSetDryRunChangesNothing()
    {
        $r = MailTlsTest::cli(['--set', '-service', 'dovecot', '-min', 'TLSv1', '-dry-run']);
        $this->assertSame(0, $r['code'], $r['stdout']);
        $this->assertTrue($r['reply']['dry_run']);
        $this->assertStringContainsString('+ssl_min_protocol = TLSv1', $r['reply']['services'][0]['files'][0]['diff']);
        $this->assertSame([], pm_ActionLog::$events);
        $this->assertSame('TLSv1.2', self::floors(self::direct(['api' => 1, 'action' => 'status']))['dovecot/imap'][1]);
    }

    public function testSetProbeHistoryRollback()
    {
        $set = MailTlsTest::cli(['--set', '-service', 'dovecot', '-min', 'TLSv1']);
        $this->assertSame(0, $set['code'], $set['stdout']);
        $id = $set['reply']['change_id'];
        $this->assertCount(1, pm_ActionLog::$events);
        $event = pm_ActionLog::$events[0];
        $this->assertSame('mail_tls_floors_changed', $event['action']);
        $this->assertSame('TLSv1.2', $event['old']['dovecot/imaps']);
        $this->assertSame('TLSv1', $event['new']['dovecot/imaps']);
        $this->assertSame($id, $event['new']['change_id']);

        $probe = MailTlsTest::cli(['--probe', '-endpoint', 'dovecot/imaps,dovecot/pop3']);
        $this->assertSame(0, $probe['code']);
        $this->assertSame(['dovecot/imaps' => 'TLSv1', 'dovecot/pop3' => 'TLSv1'], self::lowest($probe['reply']));

        $history = MailTlsTest::cli(['--history', '-limit', '5']);
        $this->assertSame(0, $history['code']);
        $this->assertSame($id, $history['reply']['changes'][0]['change_id']);
        $this->assertSame('plesk-cli', $history['reply']['changes'][0]['actor']);

        $back = MailTlsTest::cli(['--rollback', '-change-id', $id]);
        $this->assertSame(0, $back['code'], $back['stdout']);
        $this->assertSame($id, $back['reply']['rolls_back']);
        $this->assertCount(2, pm_ActionLog::$events);
        $this->assertSame('TLSv1.2', pm_ActionLog::$events[1]['new']['dovecot/imaps']);
        $probe = MailTlsTest::cli(['--probe', '-endpoint', 'dovecot/imaps']);
        $this->assertSame(['dovecot/imaps' => 'TLSv1.2'], self::lowest($probe['reply']));
        $this->assertThinCalls();
    }

    public function testSetEndpointWithVerifyThenRollbackLast()
    {
        $set = MailTlsTest::cli(['--set', '-service', 'postfix', '-endpoint', 'submission', '-min', 'TLSv1.3', '-verify']);
        $this->assertSame(0, $set['code'], $set['stdout']);
        $this->assertSame('TLSv1.3', $set['reply']['services'][0]['after']['submission']);
        $this->assertSame('TLSv1.3', self::lowest($set['reply']['verify'])['postfix/submission']);
        $back = MailTlsTest::cli(['--rollback', '-change-id', 'last']);
        $this->assertSame(0, $back['code'], $back['stdout']);
        $this->assertSame($set['reply']['change_id'], $back['reply']['rolls_back']);
    }

    public function testPresetDryRunWarns()
    {
        $r = MailTlsTest::cli(['--set', '-preset', 'legacy', '-service', 'dovecot', '-dry-run']);
        $this->assertSame(0, $r['code'], $r['stdout']);
        $this->assertSame(['weak_protocols'], array_column($r['reply']['warnings'], 'code'));
    }

    public function testComplianceLocksAndUnlocks()
    {
        $on = MailTlsTest::cli(['--compliance', '-enable', '-service', 'dovecot']);
        $this->assertSame(0, $on['code'], $on['stdout']);
        $this->assertTrue(self::direct(['api' => 1, 'action' => 'status'])['services'][1]['compliance']);
        $locked = MailTlsTest::cli(['--set', '-service', 'dovecot', '-min', 'TLSv1']);
        $this->assertSame(2, $locked['code']);
        $this->assertSame('compliance_locked', $locked['reply']['error']['code']);
        $off = MailTlsTest::cli(['--compliance', '-disable', '-service', 'dovecot']);
        $this->assertSame(0, $off['code'], $off['stdout']);
        $this->assertFalse(self::direct(['api' => 1, 'action' => 'status'])['services'][1]['compliance']);
        $this->assertCount(2, pm_ActionLog::$events);
    }

    public function testDiagnose()
    {
        $r = MailTlsTest::cli(['--diagnose', '-since', '2000-01-01T00:00:00Z', '-until', '2100-01-01T00:00:00Z',
                               '-rotated', '-top', '5']);
        $this->assertSame(0, $r['code'], $r['stdout']);
        $this->assertSame(self::direct(['api' => 1, 'action' => 'diagnose', 'since' => '2000-01-01T00:00:00Z',
                                        'until' => '2100-01-01T00:00:00Z', 'rotated' => true,
                                        'top' => 5])['failures'], $r['reply']['failures']);
        $this->assertArrayHasKey('impact', $r['reply']);
    }

    public function testHelperErrorsKeepTheirExitStatus()
    {
        $r = MailTlsTest::cli(['--rollback', '-change-id', '00000000-0000-4000-8000-000000000000']);
        $this->assertSame(2, $r['code']);
        $this->assertSame('unknown_change', $r['reply']['error']['code']);
        $r = MailTlsTest::cli(['--set', '-service', 'dovecot', '-min', 'SSLv3']);
        $this->assertSame(2, $r['code']);
        $this->assertSame('invalid_version', $r['reply']['error']['code']);
    }

    public function testJsonPassesARawRequestThrough()
    {
        $r = MailTlsTest::cli(['--json', '{"api": 1, "action": "capabilities", "request_id": "auto-1"}']);
        $this->assertSame(0, $r['code']);
        $this->assertSame('auto-1', $r['reply']['request_id']);
        $this->assertSame('{"api": 1, "action": "capabilities", "request_id": "auto-1"}', pm_ApiCli::$calls[0]['stdin']);
        $set = MailTlsTest::cli(['--json', '{"api": 1, "action": "set", "floors": {"postfix/smtps": "TLSv1.3"}}']);
        $this->assertSame(0, $set['code'], $set['stdout']);
        $this->assertCount(1, pm_ActionLog::$events);
        $this->assertSame('TLSv1.3', pm_ActionLog::$events[0]['new']['postfix/smtps']);
        $this->assertSame(0, MailTlsTest::cli(['--json', '{"api": 1, "action": "rollback", "change_id": "last"}'])['code']);
    }
}
