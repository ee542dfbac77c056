<?php
/**
 * `plesk ext mail-tls --<command> [-option value ...]`: each command becomes one protocol request
 * (Modules_MailTls_Requests); the output is the helper's JSON reply, the exit status the helper's
 * (0 ok, 1 failed and undone, 2 refused, 3 rollback failed). REST automation reaches the same commands
 * through POST /api/v2/cli/extension/call {"params": ["--call", "mail-tls", "--status"]}.
 *
 *   --status [-live]
 *   --set -service S [-endpoint E] -min V [-dry-run] [-verify]
 *   --set -preset P [-service S[,S]] [-dry-run] [-verify]
 *   --set -reapply [-dry-run]
 *   --compliance -enable|-disable [-service S] [-dry-run]
 *   --probe [-endpoint service/role[,...]]
 *   --diagnose [-since 2026-11-29T00:00:00Z] [-until T] [-rotated] [-top N]
 *   --history [-limit N]
 *   --rollback -change-id ID|last [-dry-run]
 *   --json '{"api": 1, "action": "status"}'     a raw protocol request, passed through as it is
 */
class Modules_MailTls_ApiCli extends pm_Hook_ApiCli
{
    const ACTOR = 'plesk-cli';

    public function statusCommand($live = null)
    {
        $this->reply('status', ['live' => $live]);
    }

    public function setCommand($service = null, $endpoint = null, $min = null, $preset = null,
                               $reapply = null, $dryRun = null, $verify = null, $restart = null)
    {
        $this->reply('set', compact('service', 'endpoint', 'min', 'preset', 'reapply', 'dryRun', 'verify',
                                    'restart'));
    }

    public function complianceCommand($enable = null, $disable = null, $service = null, $dryRun = null)
    {
        $this->reply('compliance', compact('enable', 'disable', 'service', 'dryRun'));
    }

    public function probeCommand($endpoint = null, $timeoutMs = null)
    {
        $this->reply('probe', compact('endpoint', 'timeoutMs'));
    }

    public function diagnoseCommand($since = null, $until = null, $rotated = null, $top = null)
    {
        $this->reply('diagnose', compact('since', 'until', 'rotated', 'top'));
    }

    public function historyCommand($limit = null)
    {
        $this->reply('history', compact('limit'));
    }

    public function rollbackCommand($changeId = null, $dryRun = null)
    {
        $this->reply('rollback', compact('changeId', 'dryRun'));
    }

    /** --json '{...}': the request is the command's argument, passed to the helper unchanged. */
    public function jsonCommand()
    {
        $args = $this->getArguments();
        $json = isset($args[0]) ? (string)$args[0] : '';
        $this->finish($this->service()->passThrough($json));
    }

    private function reply($action, array $options)
    {
        $this->finish($this->service()->exchange($action, $options));
    }

    private function finish(array $result)
    {
        $this->stdout(rtrim($result['stdout'], "\n") . "\n");
        $this->exitCode($result['code']);
    }

    private function service()
    {
        return new Modules_MailTls_Service(new Modules_MailTls_Helper(), self::ACTOR);
    }
}
