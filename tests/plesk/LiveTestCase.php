<?php
/**
 * Base of the tests that reach the real helper and the live sandbox daemons: an administrator's
 * session, the stand-ins' records emptied before each test, and the sandbox's files and helper state
 * put back (tests/sandbox/reset-config, which reloads the daemons) after each class.
 */
abstract class LiveTestCase extends PHPUnit\Framework\TestCase
{
    protected function setUp(): void
    {
        if (getenv('MT_LIVE') !== '1') {
            $this->markTestSkipped('needs the live sandbox (MT_LIVE=1, run by tests/plesk/run-suite)');
        }
        pm_Session::$client = new pm_Client(true, 'admin');
        pm_ActionLog::$events = [];
        pm_ApiCli::$calls = [];
    }

    public static function tearDownAfterClass(): void
    {
        if (getenv('MT_LIVE') === '1') {
            exec(escapeshellarg(dirname(__DIR__) . '/sandbox/reset-config') . ' >/dev/null 2>&1', $out, $rc);
        }
    }

    /** The helper's own reply to a request, run directly (the oracle the PHP layer is compared with). */
    protected static function direct(array $request)
    {
        $p = proc_open([getenv('MT_HELPER'), '--profile', getenv('MT_PROFILE')],
                       [0 => ['pipe', 'r'], 1 => ['pipe', 'w'], 2 => ['file', '/dev/null', 'w']], $pipes);
        fwrite($pipes[0], json_encode($request));
        fclose($pipes[0]);
        $out = stream_get_contents($pipes[1]);
        fclose($pipes[1]);
        proc_close($p);
        return json_decode($out, true);
    }

    /** endpoint floors of a status reply: ['service/role' => [configured, effective, live]]. */
    protected static function floors(array $status)
    {
        $f = [];
        foreach ($status['services'] as $s) {
            foreach ($s['endpoints'] as $e) {
                $f[$s['service'] . '/' . $e['endpoint']] = [$e['configured'], $e['effective'], $e['live'] ?? null];
            }
        }
        return $f;
    }

    /** lowest accepted version per `service/role` of a probe reply. */
    protected static function lowest(array $probe)
    {
        $l = [];
        foreach ($probe['endpoints'] as $row) {
            $l[$row['service'] . '/' . $row['endpoint']] = $row['lowest'];
        }
        return $l;
    }

    /** Every helper run went through callSbin with an empty argv and one JSON object on stdin. */
    protected function assertThinCalls()
    {
        $this->assertNotEmpty(pm_ApiCli::$calls);
        foreach (pm_ApiCli::$calls as $c) {
            $this->assertSame('mail-tls-helper', $c['command']);
            $this->assertSame([], $c['args']);
            $this->assertIsArray(json_decode($c['stdin'], true));
        }
    }
}
