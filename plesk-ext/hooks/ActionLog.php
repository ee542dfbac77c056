<?php
/** Declares the Action Log event that Modules_MailTls_ChangeLog submits for each change. */
class Modules_MailTls_ActionLog extends pm_Hook_ActionLog
{
    public function getEvents()
    {
        return [Modules_MailTls_ChangeLog::EVENT => 'Mail TLS floors changed'];
    }
}
