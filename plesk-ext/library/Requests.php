<?php
/**
 * Modules_MailTls_Requests - turns the options of a CLI command, an XML API operation or a UI form
 * into one protocol request (docs/protocol.md). The same option names everywhere:
 *
 *   capabilities
 *   status      [live]
 *   set         service S [endpoint E] min V | floors {S or S/E: V, ...} | preset P [service S[,S]] | reapply;
 *               [dry-run] [verify] [restart R]
 *   compliance  enable | disable; [service S] [dry-run]
 *   probe       [endpoint service/role[,service/role...]] [timeout-ms N]
 *   diagnose    [since RFC3339] [until RFC3339] [rotated] [top N]
 *   history     [limit N]
 *   rollback    change-id ID|last [dry-run]
 *
 * Values are passed on as strings or booleans: the helper checks every value strictly, so this class
 * only decides the request's shape. A missing or contradictory option is a bad_request
 * Modules_MailTls_HelperException, raised before the helper runs.
 */
class Modules_MailTls_Requests
{
    const ACTIONS = ['capabilities', 'status', 'set', 'compliance', 'probe', 'diagnose', 'history', 'rollback'];

    /**
     * build(action, options, actor): a request array (new, owned by the caller). `options` maps option
     * names to strings, true (a flag) or null (absent).
     */
    public static function build($action, array $options, $actor = null)
    {
        if (!in_array($action, self::ACTIONS, true)) {
            throw Modules_MailTls_HelperException::badRequest(null, "unknown operation \"$action\"");
        }
        $o = self::normalize($options);
        $method = 'build' . ucfirst($action);
        $body = self::$method($o);
        $request = ['api' => 1, 'action' => $action] + $body;
        if ($actor !== null && $actor !== '') {
            $request['actor'] = (string)$actor;
        }
        $request['request_id'] = 'plesk-' . bin2hex(random_bytes(6));
        return $request;
    }

    private static function buildCapabilities(array $o)
    {
        return [];
    }

    private static function buildStatus(array $o)
    {
        return self::flags($o, ['live' => 'live']);
    }

    private static function buildSet(array $o)
    {
        $given = (isset($o['min']) ? 1 : 0) + (isset($o['preset']) ? 1 : 0) + (self::flag($o, 'reapply') ? 1 : 0)
               + (!empty($o['floors']) ? 1 : 0);
        if ($given !== 1) {
            throw Modules_MailTls_HelperException::badRequest('set',
                'set needs exactly one of -min (with -service), -preset and -reapply');
        }
        $r = [];
        if (!empty($o['floors'])) {
            $r['floors'] = array_map('strval', is_array($o['floors']) ? $o['floors'] : []);
        } elseif (isset($o['min'])) {
            $r['floors'] = [self::floorKey($o) => (string)$o['min']];
        } elseif (isset($o['preset'])) {
            $r['preset'] = (string)$o['preset'];
            if (isset($o['service'])) {
                $r['services'] = self::listOf($o['service']);
            }
        } else {
            $r['reapply'] = true;
        }
        if (isset($o['restart'])) {
            $r['restart'] = (string)$o['restart'];
        }
        return $r + self::flags($o, ['dry-run' => 'dry_run', 'verify' => 'verify']);
    }

    /** The `floors` key: a service, or service/role for an endpoint (E or service/E). */
    private static function floorKey(array $o)
    {
        if (!isset($o['service'])) {
            throw Modules_MailTls_HelperException::badRequest('set', '-min needs -service');
        }
        $service = (string)$o['service'];
        if (!isset($o['endpoint'])) {
            return $service;
        }
        $endpoint = (string)$o['endpoint'];
        return strpos($endpoint, '/') === false ? "$service/$endpoint" : $endpoint;
    }

    private static function buildCompliance(array $o)
    {
        $enable = self::flag($o, 'enable');
        if ($enable === self::flag($o, 'disable')) {
            throw Modules_MailTls_HelperException::badRequest('compliance',
                'compliance needs exactly one of -enable and -disable');
        }
        $r = ['mode' => $enable ? 'enable' : 'disable'];
        if (isset($o['service'])) {
            $r['services'] = self::listOf($o['service']);
        }
        return $r + self::flags($o, ['dry-run' => 'dry_run']);
    }

    private static function buildProbe(array $o)
    {
        $r = [];
        if (isset($o['endpoint'])) {
            $r['endpoints'] = self::listOf($o['endpoint']);
        }
        return $r + self::ints($o, ['timeout-ms' => 'timeout_ms', 'deadline-ms' => 'deadline_ms']);
    }

    private static function buildDiagnose(array $o)
    {
        $r = [];
        foreach (['since', 'until'] as $key) {
            if (isset($o[$key])) {
                $r[$key] = (string)$o[$key];
            }
        }
        return $r + self::flags($o, ['rotated' => 'rotated']) + self::ints($o, ['top' => 'top']);
    }

    private static function buildHistory(array $o)
    {
        return self::ints($o, ['limit' => 'limit']);
    }

    private static function buildRollback(array $o)
    {
        if (!isset($o['change-id']) || $o['change-id'] === true || $o['change-id'] === '') {
            throw Modules_MailTls_HelperException::badRequest('rollback', 'rollback needs -change-id ID (or last)');
        }
        return ['change_id' => (string)$o['change-id']] + self::flags($o, ['dry-run' => 'dry_run']);
    }

    /** Option names in lower case with dashes (dryRun, dry_run and dry-run are one option). */
    private static function normalize(array $options)
    {
        $o = [];
        foreach ($options as $name => $value) {
            if ($value === null || $value === false) {
                continue;
            }
            $key = strtolower(preg_replace('/([a-z])([A-Z])/', '$1-$2', str_replace('_', '-', (string)$name)));
            $o[$key] = is_array($value) ? $value : ($value === true ? true : (string)$value);
        }
        return $o;
    }

    /** A flag: present and not "false", "0" or "no" (an empty XML element is a set flag). */
    private static function flag(array $o, $name)
    {
        if (!array_key_exists($name, $o)) {
            return false;
        }
        return $o[$name] === true || !in_array(strtolower((string)$o[$name]), ['false', '0', 'no'], true);
    }

    private static function flags(array $o, array $map)
    {
        $r = [];
        foreach ($map as $option => $key) {
            if (self::flag($o, $option)) {
                $r[$key] = true;
            }
        }
        return $r;
    }

    /** Whole numbers become integers; anything else is passed as given for the helper to refuse. */
    private static function ints(array $o, array $map)
    {
        $r = [];
        foreach ($map as $option => $key) {
            if (isset($o[$option])) {
                $v = $o[$option];
                $r[$key] = is_string($v) && preg_match('/^[0-9]{1,9}$/', $v) ? (int)$v : $v;
            }
        }
        return $r;
    }

    /** "a,b" or an array of names -> a list of trimmed names. */
    private static function listOf($value)
    {
        $items = is_array($value) ? $value : explode(',', (string)$value);
        return array_values(array_filter(array_map('trim', array_map('strval', $items)), 'strlen'));
    }
}
