<?php
/**
 * Modules_MailTls_Service - what the UI, the CLI hook and the XML API hook share: build a request
 * from options (Modules_MailTls_Requests), run it through the one helper client
 * (Modules_MailTls_Helper), and record each change that was made in Plesk's Action Log
 * (Modules_MailTls_ChangeLog). Holds no state besides the helper client and the actor.
 */
class Modules_MailTls_Service
{
    private $helper;
    private $actor;

    /** `actor` goes into every request, for the helper's audit log and history (`plesk:admin`). */
    public function __construct(Modules_MailTls_Helper $helper, $actor)
    {
        $this->helper = $helper;
        $this->actor = $actor;
    }

    /** run(action, options): the successful reply; throws Modules_MailTls_HelperException. */
    public function run($action, array $options = [])
    {
        $request = Modules_MailTls_Requests::build($action, $options, $this->actor);
        $reply = $this->helper->run($request);
        Modules_MailTls_ChangeLog::record($reply);
        return $reply;
    }

    /**
     * exchange(action, options): ['code', 'stdout', 'reply'] whatever the reply says (the CLI prints
     * it and exits with `code`). Options the PHP layer cannot turn into a request give a bad_request
     * reply in the helper's envelope, exit 2.
     */
    public function exchange($action, array $options = [])
    {
        try {
            $request = Modules_MailTls_Requests::build($action, $options, $this->actor);
        } catch (Modules_MailTls_HelperException $e) {
            return self::failure($e);
        }
        return $this->passThrough(Modules_MailTls_Helper::encode($request));
    }

    /** passThrough(json): a raw protocol request, as given (CLI --json, automation). */
    public function passThrough($json)
    {
        try {
            $result = $this->helper->exchange($json);
        } catch (Modules_MailTls_HelperException $e) {
            return self::failure($e);
        }
        Modules_MailTls_ChangeLog::record($result['reply']);
        return $result;
    }

    private static function failure(Modules_MailTls_HelperException $e)
    {
        $reply = $e->getReply();
        return ['code' => $e->getExitStatus(), 'reply' => $reply,
                'stdout' => json_encode($reply, JSON_UNESCAPED_SLASHES) . "\n"];
    }
}
