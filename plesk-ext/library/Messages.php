<?php
/**
 * Modules_MailTls_Messages - what the UI says about a failed request: the locale's text for the
 * helper's error code (what happened and the remedy), then the helper's own message and what it
 * concerns. Every code of docs/protocol.md §7 has a text (tests/plesk checks it).
 */
class Modules_MailTls_Messages
{
    /** forError(e): one message for the page's status area. */
    public static function forError(Modules_MailTls_HelperException $e)
    {
        $key = 'error.' . $e->getErrorCode();
        $text = pm_Locale::lmsg($key);
        if ($text === $key || $text === '' || $text === null) {
            $text = pm_Locale::lmsg('error.unknown', ['code' => $e->getErrorCode()]);
        }
        $subject = $e->getSubject();
        return $text . ' (' . $e->getErrorCode() . ($subject ? ', ' . $subject : '') . ': '
            . $e->getMessage() . ')';
    }
}
