<?php
/**
 * XML API: <packet><extension><call><mail-tls><OPERATION>options</OPERATION></mail-tls></call></extension></packet>
 *
 * One operation per call: status, set, compliance, probe, diagnose, history, rollback, with the
 * CLI's option names as child elements (<set><service>dovecot</service><min>TLSv1</min><dry-run/></set>).
 * The result is <OPERATION><ok>true</ok><json>the helper's reply</json>[<change-id>..</change-id>]</OPERATION>:
 * the reply's lists do not map onto XML elements, so it travels whole, as JSON text. A failure is an
 * XML API error whose errcode is the fixed number of the helper's error code (docs/plesk.md) and whose
 * errtext is `code: message`. Administrators only.
 */
class Modules_MailTls_ApiRpc extends pm_Hook_ApiRpc
{
    const ACTOR = 'plesk-xmlapi';

    public function call($params)
    {
        if (!self::isAdmin()) {
            throw new pm_Exception('permission_denied: mail-tls is for the Plesk administrator only',
                Modules_MailTls_ErrorCodes::errcode('permission_denied'));
        }
        if (!is_array($params) || count($params) !== 1) {
            throw self::error(Modules_MailTls_HelperException::badRequest(null,
                'exactly one operation expected: ' . implode(', ', Modules_MailTls_Requests::ACTIONS)));
        }
        $action = (string)key($params);
        $options = is_array(current($params)) ? current($params) : [];
        $service = new Modules_MailTls_Service(new Modules_MailTls_Helper(), self::ACTOR);
        try {
            $reply = $service->run($action, $options);
        } catch (Modules_MailTls_HelperException $e) {
            throw self::error($e);
        }
        $result = ['ok' => 'true', 'json' => json_encode($reply, JSON_UNESCAPED_SLASHES)];
        if (isset($reply['change_id'])) {
            $result['change-id'] = $reply['change_id'];
        }
        return [$action => $result];
    }

    private static function error(Modules_MailTls_HelperException $e)
    {
        return new pm_Exception($e->getErrorCode() . ': ' . $e->getMessage(), $e->getCode());
    }

    /**
     * Plesk lets only the administrator call extension operations over the XML API; this checks the
     * calling session again and refuses when there is none (the helper runs as root).
     */
    private static function isAdmin()
    {
        try {
            $client = pm_Session::getClient();
        } catch (pm_Exception $e) {
            return false;
        }
        return $client !== null && $client->isAdmin();
    }
}
