<?php
/** The admin UI: every controller action, rendered, end to end into the helper and the sandbox daemons. */
class UiTest extends LiveTestCase
{
    /** The rendered row of an endpoint (data-endpoint="service/role"). */
    private static function row($html, $endpoint, $table)
    {
        $doc = new DOMDocument();
        @$doc->loadHTML('<html><body>' . $html . '</body></html>');
        $xp = new DOMXPath($doc);
        $cells = [];
        foreach ($xp->query("//table[@id='$table']//tr[@data-endpoint='$endpoint']/td") as $td) {
            $cells[] = trim($td->textContent);
        }
        return $cells;
    }

    /** The status page reads only; its "Verify now" button (live=1) adds the live floors. */
    public function testStatusPageShowsTheHelpersFloors()
    {
        $page = MailTlsTest::page('index');
        $this->assertSame([], $page['messages']);
        $status = $page['view']->status;
        $this->assertTrue($status['ok']);
        $this->assertArrayNotHasKey('live', json_decode(pm_ApiCli::$calls[0]['stdin'], true));
        foreach (self::floors($status) as $endpoint => [$configured, $effective, $live]) {
            $this->assertNull($live, $endpoint);
            $cells = self::row($page['html'], $endpoint, 'mail-tls-status');
            $this->assertSame([$configured, $effective, '-'], array_slice($cells, 3, 3), $endpoint);
        }
        $this->assertStringContainsString('<input type="hidden" name="live" value="1">', $page['html']);

        $page = MailTlsTest::page('index', ['live' => '1']);
        $this->assertSame([], $page['messages']);
        $this->assertTrue(json_decode(pm_ApiCli::$calls[2]['stdin'], true)['live']);
        foreach (self::floors($page['view']->status) as $endpoint => [$configured, $effective, $live]) {
            $cells = self::row($page['html'], $endpoint, 'mail-tls-status');
            $this->assertSame([$configured, $effective, $live ?? '-'], array_slice($cells, 3, 3), $endpoint);
        }
        $this->assertSame('TLSv1.2', self::row($page['html'], 'courier/imaps', 'mail-tls-status')[5]);
        foreach (['floor_postfix', 'floor_postfix__submission', 'floor_dovecot', 'floor_courier', 'preset', 'mode'] as $select) {
            $this->assertStringContainsString("<select name=\"$select\"", $page['html']);
        }
        $this->assertStringContainsString('name="forgery_protection_token" value="test-session-token"', $page['html']);
        $this->assertStringNotContainsString('mail-tls-drift', $page['html']);
        $this->assertThinCalls();
    }

    /** Preview a floors form, apply it, see it in History, roll it back from there. */
    public function testChangePreviewApplyHistoryRollback()
    {
        $caps = self::direct(['api' => 1, 'action' => 'capabilities']);
        $form = Modules_MailTls_Forms::floors($caps);
        $preview = MailTlsTest::page('preview', [], MailTlsTest::post($form, ['floor_dovecot' => 'TLSv1']));
        $this->assertSame([], $preview['messages']);
        $this->assertStringContainsString('+ssl_min_protocol = TLSv1', html_entity_decode($preview['html']));
        $this->assertSame(['dovecot/imap', 'TLSv1.2', 'TLSv1'], self::rowOf($preview['html'], 'dovecot/imap'));
        $this->assertSame([], pm_ActionLog::$events);
        $this->assertSame('TLSv1.2', self::floors(self::direct(['api' => 1, 'action' => 'status']))['dovecot/imap'][1]);

        $confirm = $preview['view']->confirmForm;
        $apply = MailTlsTest::page('apply', [], MailTlsTest::post($confirm, ['verify' => '1']));
        $id = $apply['view']->result['change_id'];
        $this->assertSame([['info', "Change $id applied."]], $apply['messages']);
        $this->assertStringContainsString($id, $apply['html']);
        $this->assertTrue(json_decode(end(pm_ApiCli::$calls)['stdin'], true)['verify']);
        $this->assertSame('TLSv1', self::lowest($apply['view']->result['verify'])['dovecot/imaps']);
        $this->assertSame('TLSv1', pm_ActionLog::$events[0]['new']['dovecot/imap']);
        $this->assertSame('plesk:admin', self::direct(['api' => 1, 'action' => 'history', 'limit' => 1])['changes'][0]['actor']);

        $history = MailTlsTest::page('history');
        $changes = $history['view']->history['changes'];
        $this->assertSame($id, $changes[0]['change_id']);
        $this->assertStringContainsString('dovecot/imap: TLSv1.2 → TLSv1', $history['html']);
        $rollbackForm = $history['view']->rollbackForms[$id];
        $this->assertStringContainsString('value="' . $id . '"', (string)$rollbackForm);

        $preview = MailTlsTest::page('preview', [], MailTlsTest::post($rollbackForm, []));
        $this->assertStringContainsString('rollback of ' . $id, $preview['html']);
        $apply = MailTlsTest::page('apply', [], MailTlsTest::post($preview['view']->confirmForm, []));
        $this->assertSame($id, $apply['view']->result['rolls_back']);
        $this->assertSame('TLSv1.2', self::floors(self::direct(['api' => 1, 'action' => 'status']))['dovecot/imap'][1]);
        $this->assertCount(2, pm_ActionLog::$events);
    }

    private static function rowOf($html, $endpoint)
    {
        $doc = new DOMDocument();
        @$doc->loadHTML('<html><body>' . $html . '</body></html>');
        $cells = [];
        foreach ((new DOMXPath($doc))->query("//table[contains(@class,'mail-tls-change')]//tr[@data-endpoint='$endpoint']/td") as $td) {
            $cells[] = trim($td->textContent);
        }
        return $cells;
    }

    public function testPresetAndCompliancePreviews()
    {
        $preset = Modules_MailTls_Forms::preset(['postfix', 'dovecot', 'courier']);
        $page = MailTlsTest::page('preview', [], MailTlsTest::post($preset, ['preset' => 'legacy', 'service' => 'dovecot']));
        $this->assertSame([], $page['messages']);
        $this->assertStringContainsString('weak_protocols', $page['html']);
        $this->assertSame(['dovecot/pop3s', 'TLSv1.2', 'TLSv1'], self::rowOf($page['html'], 'dovecot/pop3s'));
        $pci = Modules_MailTls_Forms::compliance(['postfix', 'dovecot', 'courier']);
        $page = MailTlsTest::page('preview', [], MailTlsTest::post($pci, ['mode' => 'enable', 'service' => 'postfix']));
        $this->assertNotNull($page['view']->preview);
        $this->assertSame('compliance', $page['view']->preview['action']);
        $apply = MailTlsTest::page('apply', [], MailTlsTest::post($page['view']->confirmForm, []));
        $this->assertTrue(self::direct(['api' => 1, 'action' => 'status'])['services'][0]['compliance']);
        $locked = MailTlsTest::page('preview', [], MailTlsTest::post(Modules_MailTls_Forms::floors(
            self::direct(['api' => 1, 'action' => 'capabilities'])), ['floor_postfix' => 'TLSv1']));
        $this->assertSame('error', $locked['messages'][0][0]);
        $this->assertStringContainsString('Disable compliance for it first', $locked['messages'][0][1]);
        $this->assertStringContainsString('compliance_locked', $locked['messages'][0][1]);
    }

    public function testFormsWithoutTheCsrfTokenRunNothing()
    {
        $form = Modules_MailTls_Forms::reapply();
        $post = MailTlsTest::post($form, []);
        $post['forgery_protection_token'] = 'forged';
        $page = MailTlsTest::page('preview', [], $post);
        $this->assertSame('error', $page['messages'][0][0]);
        $confirm = Modules_MailTls_Forms::confirm(['action' => 'set', 'options' => ['floors' => ['dovecot' => 'TLSv1']]]);
        $post = MailTlsTest::post($confirm, []);
        unset($post['forgery_protection_token']);
        $calls = count(pm_ApiCli::$calls);
        $page = MailTlsTest::page('apply', [], $post);
        $this->assertSame('error', $page['messages'][0][0]);
        $this->assertCount($calls, pm_ApiCli::$calls);
        $this->assertSame([], pm_ActionLog::$events);
    }

    public function testProbePageShowsTheMatrix()
    {
        $page = MailTlsTest::page('probe');
        $this->assertSame([], $page['messages']);
        $probe = $page['view']->probe;
        $this->assertSame(44, $probe['stats']['handshakes']);
        foreach ($probe['endpoints'] as $row) {
            $cells = self::row($page['html'], $row['service'] . '/' . $row['endpoint'], 'mail-tls-probe');
            $expect = [];
            foreach (['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'] as $v) {
                $c = $row['versions'][$v];
                $expect[] = $c['accepted'] ? 'accepted' : $c['reason'];
            }
            $this->assertSame($expect, array_slice($cells, 3, 4));
            $this->assertSame($row['lowest'] ?? 'none', $cells[7]);
            $this->assertSame('TLSv1.2', $cells[7]);
        }
    }

    /**
     * A TLS 1.0 client refused by Dovecot and a plaintext client on Postfix's smtps port show up on the
     * Diagnose page: every failure row with its endpoint (a dash when the log does not tell, as for
     * Dovecot), and the not_tls row's advice under it.
     */
    public function testDiagnosePageShowsRefusedClients()
    {
        $since = gmdate('Y-m-d\TH:i:s\Z', time() - 2);
        exec('timeout 5 openssl s_client -tls1 -cipher DEFAULT@SECLEVEL=0 -connect 127.0.0.1:10993 </dev/null >/dev/null 2>&1');
        $smtps = json_decode(file_get_contents(getenv('MT_PROFILE')), true)['endpoints']['postfix/smtps'];
        $plain = stream_socket_client("tcp://{$smtps['host']}:{$smtps['port']}", $errno, $errstr, 5);
        $this->assertNotFalse($plain, "connect to smtps: $errstr");
        fwrite($plain, "EHLO x\r\n");
        stream_set_timeout($plain, 2);
        fread($plain, 1024);
        fclose($plain);
        usleep(1500000);
        $page = MailTlsTest::page('diagnose', ['since' => $since]);
        $d = $page['view']->diagnose;
        $this->assertSame([], $page['messages']);
        $dovecot = array_values(array_filter($d['failures'], function ($f) { return $f['service'] === 'dovecot'; }));
        $this->assertNotEmpty($dovecot, json_encode($d));
        $this->assertSame('protocol_too_old', $dovecot[0]['reason']);
        $this->assertSame('127.0.0.1', $dovecot[0]['client']);
        $this->assertNull($dovecot[0]['endpoint']);
        $notTls = array_values(array_filter($d['failures'], function ($f) {
            return $f['service'] === 'postfix' && $f['reason'] === 'not_tls' && $f['endpoint'] === 'smtps';
        }));
        $this->assertNotEmpty($notTls, json_encode($d));
        $this->assertStringContainsString('STARTTLS', $notTls[0]['advice']);

        $html = $page['html'];
        $rows = self::failureRows($html);
        $this->assertCount(count($d['failures']), $rows);
        $dash = function ($v) { return $v ?? '-'; };
        foreach ($d['failures'] as $i => $f) {
            $this->assertSame([$f['reason'], $f['service'], $dash($f['endpoint']), $dash($f['client']), (string)$f['count'],
                               $dash($f['first']), $dash($f['last'])], $rows[$i]['cells'], json_encode($f));
            $notes = array_filter([$f['advice'] ?? null, $f['why_ambiguous'] ?? null]);
            $this->assertSame(array_values($notes), $rows[$i]['notes'], json_encode($f));
        }
        $smtpsRow = array_values(array_filter($rows, function ($r) {
            return $r['cells'][0] === 'not_tls' && $r['cells'][2] === 'smtps';
        }));
        $this->assertSame([$notTls[0]['advice']], $smtpsRow[0]['notes']);
        $this->assertStringContainsString('STARTTLS', $smtpsRow[0]['notes'][0]);
        $this->assertStringContainsString('include mail-tls&#039;s own handshakes', $html);
        foreach ($d['impact'] as $i) {
            $this->assertStringContainsString('<td>' . $i['service'] . '</td><td>' . $i['floor'] . '</td><td>' . $i['clients_cut_off']['count'] . '</td>',
                                              preg_replace('/>\s+</', '><', $html));
        }
        $this->assertStringContainsString('value="' . $since . '"', $html);
    }

    /** The failures table: per failure row its cells and the texts of the note rows under it. */
    private static function failureRows($html)
    {
        $doc = new DOMDocument();
        @$doc->loadHTML('<html><body>' . $html . '</body></html>');
        $rows = [];
        foreach ((new DOMXPath($doc))->query("//table[@id='mail-tls-failures']/tbody/tr") as $tr) {
            $cells = [];
            foreach ($tr->getElementsByTagName('td') as $td) {
                $cells[] = trim($td->textContent);
            }
            if ($tr->getAttribute('class') === 'failure') {
                $rows[] = ['cells' => $cells, 'notes' => []];
            } else {
                $rows[count($rows) - 1]['notes'][] = $cells[1];
            }
        }
        return $rows;
    }

    /** A posted change_id the helper echoes in its error reaches the status area escaped. */
    public function testHelperErrorsAreEscapedInTheStatusArea()
    {
        $id = '<script>alert(1)</script>';
        $form = Modules_MailTls_Forms::rollback($id);
        $page = MailTlsTest::page('preview', [], MailTlsTest::post($form, []));
        $this->assertSame('error', $page['messages'][0][0]);
        $this->assertStringContainsString('unknown_change', $page['messages'][0][1]);
        $this->assertStringContainsString($id, $page['messages'][0][1]);
        $this->assertStringNotContainsString('<script>', $page['status']);
        $this->assertStringContainsString(htmlspecialchars($id, ENT_QUOTES), $page['status']);
        $confirm = Modules_MailTls_Forms::confirm(['kind' => 'rollback', 'action' => 'rollback', 'options' => ['change-id' => $id]]);
        $page = MailTlsTest::page('apply', [], MailTlsTest::post($confirm, []));
        $this->assertStringContainsString('unknown_change', $page['messages'][0][1]);
        $this->assertStringNotContainsString('<script>', $page['status'] . $page['html']);
        $this->assertSame([], pm_ActionLog::$events);
    }

    /** Plesk's tools rewrite a file: the status page shows the drift and re-applies the last floors. */
    public function testDriftIsShownAndReapplied()
    {
        $set = self::direct(['api' => 1, 'action' => 'set', 'floors' => ['dovecot' => 'TLSv1.3']]);
        $this->assertTrue($set['ok'], json_encode($set));
        $profile = json_decode(file_get_contents(getenv('MT_PROFILE')), true);
        $file = $profile['dovecot']['floor_file'];
        file_put_contents($file, str_replace('ssl_min_protocol = TLSv1.3', 'ssl_min_protocol = TLSv1.2', file_get_contents($file)));

        $page = MailTlsTest::page('index');
        $this->assertCount(4, $page['view']->drift);
        $this->assertStringContainsString('id="mail-tls-drift"', $page['html']);
        $this->assertStringContainsString('dovecot/imaps', $page['html']);
        $preview = MailTlsTest::page('preview', [], MailTlsTest::post($page['view']->reapplyForm, []));
        $this->assertSame(['dovecot/imaps', 'TLSv1.2', 'TLSv1.3'], self::rowOf($preview['html'], 'dovecot/imaps'));
        MailTlsTest::page('apply', [], MailTlsTest::post($preview['view']->confirmForm, []));
        $page = MailTlsTest::page('index', ['live' => '0']);
        $this->assertSame([], $page['view']->drift);
        $this->assertSame('TLSv1.3', self::row($page['html'], 'dovecot/imaps', 'mail-tls-status')[4]);
    }
}
