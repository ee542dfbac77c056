<?php
/**
 * Modules_MailTls_ChangeLog - one Plesk Action Log event per change mail-tls made: `set`,
 * `compliance` or `rollback` replies that carry a `change_id` (dry runs and requests that changed
 * nothing carry none). Old and new values are the effective floors per `service/role`, with the
 * change's id and action. The events are declared by hooks/ActionLog.php.
 */
class Modules_MailTls_ChangeLog
{
    const EVENT = 'mail_tls_floors_changed';

    /** record(reply): submit the event when `reply` is a change that was made; else nothing. */
    public static function record(array $reply)
    {
        if (($reply['ok'] ?? false) !== true || !isset($reply['change_id'])) {
            return;
        }
        list($old, $new) = self::floors($reply);
        $new['change_id'] = $old['change_id'] = (string)$reply['change_id'];
        $new['action'] = $old['action'] = (string)$reply['action'];
        pm_ActionLog::submit(self::EVENT, 0, $old, $new);
    }

    /** floors(reply): [before, after] as `service/role` => floor, from the reply's services. */
    public static function floors(array $reply)
    {
        $old = $new = [];
        foreach ($reply['services'] ?? [] as $s) {
            foreach ($s['before'] ?? [] as $role => $floor) {
                $old[$s['service'] . '/' . $role] = $floor;
            }
            foreach ($s['after'] ?? [] as $role => $floor) {
                $new[$s['service'] . '/' . $role] = $floor;
            }
        }
        return [$old, $new];
    }
}
