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

    /** Every form's change passes apply's check; a posted change with anything else is refused. */
    public function testApplyTakesOnlyTheChangesTheFormsMake()
    {
        $caps = ['services' => [['service' => 'dovecot', 'installed' => true, 'supported' => true,
                                 'endpoints' => [['endpoint' => 'imaps', 'floors' => ['TLSv1', 'TLSv1.2']]]]]];
        $made = [];
        foreach ([['floors', ['floor_dovecot' => 'TLSv1.2']], ['preset', ['preset' => 'pci', 'service' => 'dovecot']],
                  ['preset', ['preset' => 'modern', 'service' => '']], ['compliance', ['mode' => 'disable', 'service' => '']],
                  ['reapply', []], ['rollback', ['change_id' => 'last']]] as [$kind, $values]) {
            $form = Modules_MailTls_Forms::byKind($kind, $caps);
            $this->assertTrue($form->isValid(MailTlsTest::post($form, $values)), $kind);
            $change = Modules_MailTls_Forms::change($kind, $form);
            $this->assertSame($kind, $change['kind']);
            // what the confirm form carries, as apply decodes it
            $posted = json_decode((string)Modules_MailTls_Forms::confirm($change)->getValue('change'), true);
            $this->assertNull(Modules_MailTls_Forms::refusal($posted), json_encode($posted));
            $made[$kind] = $posted;
        }
        $refused = [
            [$made['floors'], ['options' => ['floors' => ['dovecot' => 'TLSv1'], 'restart' => 'always']], 'option restart'],
            [$made['floors'], ['options' => ['floors' => ['dovecot' => 'TLSv1'], 'dry-run' => true]], 'option dry-run'],
            [$made['floors'], ['options' => ['floors' => []]], 'option floors has a value'],
            [$made['floors'], ['options' => ['floors' => ['TLSv1']]], 'option floors has a value'],
            [$made['floors'], ['options' => ['floors' => ['dovecot' => ['TLSv1']]]], 'option floors has a value'],
            [$made['preset'], ['options' => ['preset' => 'pci', 'service' => ['dovecot']]], 'option service has a value'],
            [$made['preset'], ['options' => ['preset' => 'pci', 'verify' => true]], 'option verify'],
            [$made['reapply'], ['options' => ['reapply' => true, 'floors' => ['dovecot' => 'TLSv1']]], 'option floors'],
            [$made['rollback'], ['options' => ['change_id' => 'last']], 'option change_id'],
            [$made['rollback'], ['action' => 'set'], 'not a change'],
            [$made['reapply'], ['kind' => 'shutdown'], 'not a change'],
            [$made['reapply'], ['kind' => null], 'not a change'],
            [$made['reapply'], ['options' => 'reapply'], 'not a change'],
            [$made['reapply'], ['request' => ['api' => 1]], 'not a change'],
        ];
        foreach ($refused as [$base, $edit, $why]) {
            $change = array_merge($base, $edit);
            $this->assertStringContainsString($why, (string)Modules_MailTls_Forms::refusal($change), json_encode($change));
        }
        $this->assertNotNull(Modules_MailTls_Forms::refusal(['action' => 'set', 'options' => ['reapply' => true]]));
        $this->assertNotNull(Modules_MailTls_Forms::refusal('set'));
    }

    /** apply refuses a posted change no form makes before any helper run, and says why, escaped. */
    public function testApplyRefusesAForgedChangeBeforeTheHelper()
    {
        pm_Session::$client = new pm_Client(true, 'admin');
        pm_ApiCli::$calls = [];
        $confirm = Modules_MailTls_Forms::confirm(['kind' => 'reapply', 'action' => 'set',
                                                   'options' => ['reapply' => true, '<b>restart</b>' => 'always']]);
        $page = MailTlsTest::page('apply', [], MailTlsTest::post($confirm, []));
        $this->assertSame('error', $page['messages'][0][0]);
        $this->assertStringContainsString('The posted change was refused: option <b>restart</b> is not one the reapply form sets',
                                          $page['messages'][0][1]);
        $this->assertStringContainsString('option &lt;b&gt;restart&lt;/b&gt;', $page['status']);
        $this->assertStringNotContainsString('<b>', $page['status']);
        $this->assertSame([], pm_ApiCli::$calls);
        $this->assertNull($page['view']->result);
    }

    /** Diagnose rows whose endpoint, client or times are null show a dash (no escape(null)), notes under their row. */
    public function testDiagnoseViewRendersNullsAsDashesAndNotes()
    {
        $view = new pm_View();
        $view->since = '';
        $view->diagnose = ['failures' => [
            ['reason' => 'ambiguous', 'service' => 'postfix', 'endpoint' => null, 'client' => null, 'count' => 2,
             'first' => null, 'last' => null, 'why_ambiguous' => 'no <reason> logged'],
            ['reason' => 'not_tls', 'service' => 'postfix', 'endpoint' => 'smtps', 'client' => '192.0.2.7', 'count' => 1,
             'first' => '2026-11-30T06:00:00Z', 'last' => '2026-11-30T06:00:00Z', 'advice' => 'use SSL/TLS, not STARTTLS'],
        ], 'impact' => [], 'negotiated' => []];
        $html = preg_replace('/>\s+</', '><', $view->render('index/diagnose.phtml'));
        $this->assertStringContainsString('<tr class="failure"><td>ambiguous</td><td>postfix</td><td>-</td><td>-</td><td>2</td><td>-</td><td>-</td></tr>'
                                          . '<tr class="why-ambiguous"><td></td><td colspan="6">no &lt;reason&gt; logged</td></tr>', $html);
        $this->assertStringContainsString('<td>not_tls</td><td>postfix</td><td>smtps</td><td>192.0.2.7</td><td>1</td>', $html);
        $this->assertStringContainsString('<tr class="advice"><td></td><td colspan="6">use SSL/TLS, not STARTTLS</td></tr>', $html);
        $this->assertStringContainsString('id="mail-tls-loopback-note"', $html);
        $this->assertStringContainsString('127.0.0.1 and ::1', $html);
    }

    public function testActionLogEventIsDeclared()
    {
        $this->assertArrayHasKey(Modules_MailTls_ChangeLog::EVENT, (new Modules_MailTls_ActionLog())->getEvents());
    }
}
