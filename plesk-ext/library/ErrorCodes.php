<?php
/**
 * Modules_MailTls_ErrorCodes - the fixed XML API `errcode` of each helper error code (docs/plesk.md
 * keeps the same table; tests/plesk checks that the two agree and that every code of
 * docs/protocol.md §7 has a number). Numbers never change; new codes get new numbers.
 */
class Modules_MailTls_ErrorCodes
{
    /** Any code this table does not know yet (a newer helper). */
    const UNKNOWN = 5100;

    const TABLE = [
        'bad_request' => 5101,
        'unsupported_api' => 5102,
        'unknown_action' => 5103,
        'unknown_service' => 5104,
        'service_not_managed' => 5105,
        'unknown_endpoint' => 5106,
        'service_not_installed' => 5107,
        'service_not_supported' => 5108,
        'invalid_version' => 5109,
        'unsupported_floor' => 5110,
        'compliance_locked' => 5111,
        'unknown_change' => 5112,
        'rollback_conflict' => 5113,
        'bad_profile' => 5114,
        'unsafe_file' => 5115,
        'busy' => 5116,
        'config_check_failed' => 5117,
        'restart_failed' => 5118,
        'verify_failed' => 5119,
        'io_error' => 5120,
        'internal' => 5121,
        'rollback_failed' => 5122,
        // codes of the PHP layer
        'permission_denied' => 5190,
        'helper_unavailable' => 5199,
    ];

    /** errcode(code): the number for a helper error code. */
    public static function errcode($code)
    {
        return self::TABLE[$code] ?? self::UNKNOWN;
    }
}
