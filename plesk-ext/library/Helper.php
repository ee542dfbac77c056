<?php
/**
 * Modules_MailTls_Helper - the one place that runs mail-tls-helper.
 *
 * Plesk installs the package's sbin/mail-tls-helper under /usr/local/psa/admin/sbin/modules/mail-tls/
 * and runs it as root through its setuid mod_wrapper. The request goes to the helper's stdin
 * (pm_ApiCli::callSbin's fifth argument, Plesk 18.0.55 and later) as one JSON object; the argv is
 * always empty, so no shell string and no command-line argument is ever built from user input. On
 * Plesk the helper uses its built-in `plesk` profile.
 *
 * Never: call callSbin anywhere else, interpret the reply beyond `ok` and `error`.
 */
class Modules_MailTls_Helper
{
    const SBIN = 'mail-tls-helper';

    /**
     * Run one request and return the helper's successful reply (a new array owned by the caller).
     * Throws Modules_MailTls_HelperException carrying the helper's error code, message and exit
     * status when the reply says `ok: false`, and code `helper_unavailable` when no JSON reply came.
     */
    public function run(array $request)
    {
        $result = $this->exchange(self::encode($request));
        if ($result['reply']['ok'] !== true) {
            throw Modules_MailTls_HelperException::fromReply($result['reply'], $result['code']);
        }
        return $result['reply'];
    }

    /**
     * Pass a JSON request through as it is (the CLI's --json, automation). Returns
     * ['code' => exit status, 'stdout' => the helper's reply line, 'reply' => decoded reply], whatever
     * `ok` says; throws Modules_MailTls_HelperException (`helper_unavailable`) only when the helper
     * could not be run or did not answer one JSON object.
     */
    public function exchange($json)
    {
        try {
            $res = pm_ApiCli::callSbin(self::SBIN, [], pm_ApiCli::RESULT_FULL, [], (string)$json);
        } catch (pm_Exception $e) {
            throw new Modules_MailTls_HelperException('helper_unavailable',
                'mail-tls-helper could not be run: ' . $e->getMessage(), 1);
        }
        $reply = json_decode((string)$res['stdout'], true);
        if (!is_array($reply) || !isset($reply['ok']) || !is_bool($reply['ok'])
            || ($reply['ok'] === false && !isset($reply['error']['code']))) {
            throw new Modules_MailTls_HelperException('helper_unavailable', sprintf(
                'mail-tls-helper gave no JSON reply (exit %d): %s', (int)$res['code'],
                trim(substr((string)$res['stderr'] . (string)$res['stdout'], 0, 300))), 1);
        }
        return ['code' => (int)$res['code'], 'stdout' => (string)$res['stdout'], 'reply' => $reply];
    }

    /** Encode a request built by Modules_MailTls_Requests (an empty map stays a JSON object). */
    public static function encode(array $request)
    {
        return json_encode($request, JSON_UNESCAPED_SLASHES | JSON_THROW_ON_ERROR);
    }
}
