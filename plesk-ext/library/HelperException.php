<?php
/**
 * Modules_MailTls_HelperException - a request that failed: the helper's `error` ({code, message,
 * service?, endpoint?}) and exit status, or a failure of the PHP layer itself with a code of its own
 * (`helper_unavailable`: no reply; `bad_request`: options the PHP layer could not turn into a request).
 */
class Modules_MailTls_HelperException extends pm_Exception
{
    private $errorCode;
    private $exitStatus;
    private $reply;

    public function __construct($errorCode, $message, $exitStatus, array $reply = null)
    {
        parent::__construct($message, Modules_MailTls_ErrorCodes::errcode($errorCode));
        $this->errorCode = (string)$errorCode;
        $this->exitStatus = (int)$exitStatus;
        $this->reply = $reply ?: self::errorReply(null, $this->errorCode, $message);
    }

    /** From a helper reply with `ok: false` and its exit status. */
    public static function fromReply(array $reply, $exitStatus)
    {
        return new self($reply['error']['code'], (string)$reply['error']['message'], $exitStatus, $reply);
    }

    /** A refusal of the PHP layer, before the helper ran (exit status 2, like the helper's). */
    public static function badRequest($action, $message)
    {
        return new self('bad_request', $message, 2, self::errorReply($action, 'bad_request', $message));
    }

    /** The helper's error code (`busy`, `rollback_conflict`, ...). */
    public function getErrorCode() { return $this->errorCode; }

    /** The helper's exit status: 1 failed and undone, 2 refused, 3 rollback failed. */
    public function getExitStatus() { return $this->exitStatus; }

    /** The whole failed reply (a `verify_failed` reply keeps its probe matrix). */
    public function getReply() { return $this->reply; }

    /** `service/role` or service the error concerns, or null. */
    public function getSubject()
    {
        $e = $this->reply['error'] ?? [];
        return $e['endpoint'] ?? ($e['service'] ?? null);
    }

    /** A reply in the helper's envelope, for errors raised on this side. */
    public static function errorReply($action, $code, $message)
    {
        return ['api' => 1, 'action' => $action, 'request_id' => null, 'ok' => false,
                'error' => ['code' => $code, 'message' => $message]];
    }
}
