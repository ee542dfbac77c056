<?php
/** What needs no sandbox: request shapes, the errcode table, the messages, refusals before the helper. */
class UnitTest extends PHPUnit\Framework\TestCase
{
    private static function codes()
    {
        $doc = file_get_contents(dirname(__DIR__, 2) . '/docs/protocol.md');
        $section = substr($doc, strrpos($doc, "## 7. Errors and exit status"));
        preg_match_all('/^\| `([a-z_]+)` \| [0-3] \|/m', $section, $m);
        return $m[1];
    }

    public function testRequestsFromOptions()
    {
        $r = Modules_MailTls_Requests::build('set', ['service' => 'postfix', 'endpoint' => 'submission',
                                                     'min' => 'TLSv1', 'dryRun' => true], 'plesk-cli');
        $this->assertSame(['postfix/submission' => 'TLSv1'], $r['floors']);
        $this->assertTrue($r['dry_run']);
        $this->assertSame('plesk-cli', $r['actor']);
        $this->assertMatchesRegularExpression('/^plesk-[0-9a-f]{12}$/', $r['request_id']);
        $r = Modules_MailTls_Requests::build('compliance', ['disable' => '', 'service' => 'dovecot,courier']);
        $this->assertSame(['api' => 1, 'action' => 'compliance', 'mode' => 'disable', 'services' => ['dovecot', 'courier']],
                          array_diff_key($r, ['request_id' => 1]));
        $r = Modules_MailTls_Requests::build('history', ['limit' => '7']);
        $this->assertSame(7, $r['limit']);
        $r = Modules_MailTls_Requests::build('set', ['preset' => 'pci', 'dry-run' => 'false']);
        $this->assertArrayNotHasKey('dry_run', $r);
        $r = Modules_MailTls_Requests::build('diagnose', ['since' => '2026-11-01T00:00:00Z',
                                                          'until' => '2026-11-30T00:00:00Z', 'rotated' => true, 'top' => '5']);
        $this->assertSame(['api' => 1, 'action' => 'diagnose', 'since' => '2026-11-01T00:00:00Z',
                           'until' => '2026-11-30T00:00:00Z', 'rotated' => true, 'top' => 5],
                          array_diff_key($r, ['request_id' => 1]));
    }

    public function testBadOptionsAreRefusedBeforeTheHelper()
    {
        foreach ([['set', ['service' => 'dovecot']], ['set', ['min' => 'TLSv1']], ['set', ['min' => 'TLSv1', 'preset' => 'pci', 'service' => 'x']],
                  ['compliance', []], ['compliance', ['enable' => true, 'disable' => true]], ['rollback', []],
                  ['reboot', []]] as [$action, $options]) {
            try {
                Modules_MailTls_Requests::build($action, $options);
                $this->fail("$action accepted");
            } catch (Modules_MailTls_HelperException $e) {
                $this->assertSame('bad_request', $e->getErrorCode());
                $this->assertSame(2, $e->getExitStatus());
                $this->assertSame(5101, $e->getCode());
            }
        }
        pm_ApiCli::$calls = [];
        $r = MailTlsTest::cli(['--set', '-service', 'dovecot']);
        $this->assertSame(2, $r['code']);
        $this->assertSame('bad_request', $r['reply']['error']['code']);
        $this->assertSame([], pm_ApiCli::$calls);
    }

    public function testEveryHelperErrorCodeHasAnErrcodeAndAMessage()
    {
        $codes = self::codes();
        $this->assertGreaterThanOrEqual(22, count($codes));
        $numbers = [];
        foreach ($codes as $code) {
            $this->assertArrayHasKey($code, Modules_MailTls_ErrorCodes::TABLE, $code);
            $numbers[] = Modules_MailTls_ErrorCodes::errcode($code);
            $this->assertNotSame("error.$code", pm_Locale::lmsg("error.$code"), $code);
        }
        $this->assertSame(count($numbers), count(array_unique($numbers)));
        $this->assertSame(5100, Modules_MailTls_ErrorCodes::errcode('from_a_newer_helper'));
    }

    public function testDocsTableMatchesTheCode()
    {
        $doc = file_get_contents(dirname(__DIR__, 2) . '/docs/plesk.md');
        preg_match_all('/^\| `([a-z_]+)` \| (\d{4}) \|/m', $doc, $m);
        $this->assertSame(Modules_MailTls_ErrorCodes::TABLE, array_map('intval', array_combine($m[1], $m[2])));
    }

    public function testHelperRefusalBecomesAnException()
    {
        pm_Session::$client = new pm_Client(true, 'admin');
        try {
            (new Modules_MailTls_Helper())->run(['api' => 2, 'action' => 'status']);
            $this->fail('api 2 accepted');
        } catch (Modules_MailTls_HelperException $e) {
            $this->assertSame('unsupported_api', $e->getErrorCode());
            $this->assertSame(2, $e->getExitStatus());
            $this->assertSame(5102, $e->getCode());
            $this->assertStringContainsString('Reinstall the extension', Modules_MailTls_Messages::forError($e));
        }
        $r = MailTlsTest::cli(['--json', 'not json']);
        $this->assertSame(2, $r['code']);
        $this->assertSame('bad_request', $r['reply']['error']['code']);
    }

    public function testNoHelperIsHelperUnavailable()
    {
        $saved = getenv('MT_HELPER');
        putenv('MT_HELPER=/nonexistent/mail-tls-helper');
        try {
            $r = MailTlsTest::cli(['--status']);
        } finally {
            putenv("MT_HELPER=$saved");
        }
        $this->assertSame(1, $r['code']);
        $this->assertSame('helper_unavailable', $r['reply']['error']['code']);
    }

    public function testXmlApiRefusals()
    {
        pm_Session::$client = new pm_Client(false, 'customer');
        $this->assertSame('5190', (string)MailTlsTest::xml('<status/>')->errcode);
        pm_Session::$client = new pm_Client(true, 'admin');
        $this->assertSame('5101', (string)MailTlsTest::xml('<status/><history/>')->errcode);
        $this->assertSame('5101', (string)MailTlsTest::xml('<reboot/>')->errcode);
        $this->assertSame('5101', (string)MailTlsTest::xml('<set><service>dovecot</service></set>')->errcode);
    }

    public function testUiIsForAdminsOnly()
    {
        pm_Session::$client = new pm_Client(false, 'customer');
        $this->expectException(pm_Exception::class);
        MailTlsTest::page('index');
    }

    public function testActionLogEventIsDeclared()
    {
        $this->assertArrayHasKey(Modules_MailTls_ChangeLog::EVENT, (new Modules_MailTls_ActionLog())->getEvents());
    }
}
