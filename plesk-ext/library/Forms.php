<?php
/**
 * Modules_MailTls_Forms - the UI's forms (pm_Form_Simple, which carries Plesk's CSRF token and checks
 * it in isValid) and how a submitted form becomes a change: ['kind' => the form, 'action' =>
 * set|compliance|rollback, 'options' => Modules_MailTls_Requests options]. Every change goes through a
 * dry run (preview) and a confirm form that carries the same change back as JSON. That JSON is posted
 * by the browser, so apply checks it again with refusal(): the action and the option names must be
 * those the form of its kind produces (CHANGES), with values of the right type; the values themselves
 * are checked by the helper, as for any request. A posted change can therefore only be of a shape the
 * UI itself makes (no dry-run, restart or other option the forms never send).
 */
class Modules_MailTls_Forms
{
    const VERSIONS = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];
    const PRESETS = ['modern', 'intermediate', 'legacy', 'pci'];

    /** kind => [action, the option names its form produces] (what change() returns, and nothing else). */
    const CHANGES = [
        'floors' => ['set', ['floors']],
        'preset' => ['set', ['preset', 'service']],
        'compliance' => ['compliance', ['enable', 'disable', 'service']],
        'reapply' => ['set', ['reapply']],
        'rollback' => ['rollback', ['change-id']],
    ];

    /**
     * floors(capabilities reply): one select per installed service and per endpoint that can hold its
     * own floor, offering the floors the helper says it can take.
     */
    public static function floors(array $capabilities)
    {
        $form = self::form('floors');
        foreach ($capabilities['services'] ?? [] as $s) {
            if (empty($s['installed']) || empty($s['supported']) || empty($s['endpoints'])) {
                continue;
            }
            $all = [];
            foreach ($s['endpoints'] as $e) {
                $all = array_merge($all, $e['floors']);
            }
            self::select($form, 'floor_' . $s['service'],
                $s['service'] . ' (' . pm_Locale::lmsg('allEndpoints') . ')', array_unique($all));
            foreach ($s['endpoints'] as $e) {
                if (!empty($e['own_floor']) && empty($e['read_only'])) {
                    self::select($form, 'floor_' . $s['service'] . '__' . $e['endpoint'],
                        $s['service'] . '/' . $e['endpoint'], $e['floors']);
                }
            }
        }
        $form->addControlButtons(['sendTitle' => pm_Locale::lmsg('preview'), 'cancelHidden' => true]);
        return $form;
    }

    /** preset(services): a preset and the services it applies to (empty: every installed one). */
    public static function preset(array $services)
    {
        $form = self::form('preset');
        $form->addElement('select', 'preset', ['label' => 'Preset',
            'multiOptions' => array_combine(self::PRESETS, self::PRESETS), 'value' => 'intermediate']);
        self::serviceSelect($form, $services);
        $form->addControlButtons(['sendTitle' => pm_Locale::lmsg('preview'), 'cancelHidden' => true]);
        return $form;
    }

    /** compliance(services): PCI compliance on or off, for one service or all. */
    public static function compliance(array $services)
    {
        $form = self::form('compliance');
        $form->addElement('select', 'mode', ['label' => 'PCI compliance',
            'multiOptions' => ['enable' => 'enable', 'disable' => 'disable'], 'value' => 'enable']);
        self::serviceSelect($form, $services);
        $form->addControlButtons(['sendTitle' => pm_Locale::lmsg('preview'), 'cancelHidden' => true]);
        return $form;
    }

    /** reapply(): set with "reapply": true (after Plesk's tools rewrote the files). */
    public static function reapply()
    {
        $form = self::form('reapply');
        $form->addControlButtons(['sendTitle' => pm_Locale::lmsg('reapply'), 'cancelHidden' => true]);
        return $form;
    }

    /** rollback(changeId): the History page's button for one change. */
    public static function rollback($changeId)
    {
        $form = self::form('rollback');
        $form->addElement('hidden', 'change_id', ['value' => (string)$changeId]);
        $form->addControlButtons(['sendTitle' => pm_Locale::lmsg('rollback'), 'cancelHidden' => true]);
        return $form;
    }

    /** confirm(change): the preview's Apply button, carrying the change as JSON. */
    public static function confirm(array $change)
    {
        $form = new pm_Form_Simple(['action' => pm_Context::getActionUrl('index', 'apply')]);
        $form->addElement('hidden', 'change', ['value' => json_encode($change, JSON_UNESCAPED_SLASHES)]);
        if ($change['action'] === 'set') {
            $form->addElement('checkbox', 'verify', ['label' => pm_Locale::lmsg('verifyAfterApply'),
                                                     'value' => '1']);
        }
        $form->addControlButtons(['sendTitle' => pm_Locale::lmsg('apply'), 'cancelHidden' => true]);
        return $form;
    }

    /** byKind(kind, capabilities): the form a preview POST names, to validate the POST against. */
    public static function byKind($kind, array $capabilities)
    {
        $services = self::installed($capabilities);
        switch ($kind) {
            case 'floors': return self::floors($capabilities);
            case 'preset': return self::preset($services);
            case 'compliance': return self::compliance($services);
            case 'reapply': return self::reapply();
            case 'rollback': return self::rollback('');
        }
        return null;
    }

    /** change(kind, validated form): the change it asks for, as a dry run; null when it asks nothing. */
    public static function change($kind, pm_Form_Simple $form)
    {
        $change = self::changeOf($kind, $form);
        return $change === null ? null : ['kind' => $kind] + $change;
    }

    /**
     * refusal(change posted back by the confirm form): null when it is a change the form of its kind
     * makes (CHANGES: its action, only its option names, strings or flags, `floors` a map of strings);
     * otherwise what is wrong, for the page's message.
     */
    public static function refusal($change)
    {
        if (!is_array($change) || !is_string($change['kind'] ?? null) || !isset(self::CHANGES[$change['kind']])) {
            return 'not a change of a form of this page';
        }
        [$action, $names] = self::CHANGES[$change['kind']];
        if (($change['action'] ?? null) !== $action || !is_array($change['options'] ?? null)
            || array_diff(array_keys($change), ['kind', 'action', 'options'])) {
            return 'not a change of a form of this page';
        }
        $extra = array_diff(array_map('strval', array_keys($change['options'])), $names);
        if ($extra) {
            return 'option ' . implode(', ', $extra) . ' is not one the ' . $change['kind'] . ' form sets';
        }
        foreach ($change['options'] as $name => $value) {
            $ok = $name === 'floors' ? self::isFloorMap($value)
                : ($value === null || $value === true || is_string($value));
            if (!$ok) {
                return "option $name has a value the " . $change['kind'] . ' form never sends';
            }
        }
        return null;
    }

    private static function isFloorMap($value)
    {
        if (!is_array($value) || $value === []) {
            return false;
        }
        foreach ($value as $key => $floor) {
            if (!is_string($key) || !is_string($floor)) {
                return false;
            }
        }
        return true;
    }

    private static function changeOf($kind, pm_Form_Simple $form)
    {
        $v = $form->getValues();
        switch ($kind) {
            case 'floors':
                $floors = [];
                foreach ($v as $name => $value) {
                    if (strpos($name, 'floor_') === 0 && in_array($value, self::VERSIONS, true)) {
                        $floors[str_replace('__', '/', substr($name, 6))] = $value;
                    }
                }
                return $floors ? ['action' => 'set', 'options' => ['floors' => $floors]] : null;
            case 'preset':
                return ['action' => 'set', 'options' => ['preset' => $v['preset'], 'service' => $v['service'] ?: null]];
            case 'compliance':
                return ['action' => 'compliance', 'options' => [$v['mode'] === 'disable' ? 'disable' : 'enable' => true,
                                                                 'service' => $v['service'] ?: null]];
            case 'reapply':
                return ['action' => 'set', 'options' => ['reapply' => true]];
            case 'rollback':
                return ['action' => 'rollback', 'options' => ['change-id' => $v['change_id']]];
        }
        return null;
    }

    /** installed(capabilities): names of the managed services installed on this host. */
    public static function installed(array $capabilities)
    {
        $names = [];
        foreach ($capabilities['services'] ?? [] as $s) {
            if (!empty($s['installed']) && !empty($s['supported'])) {
                $names[] = $s['service'];
            }
        }
        return $names;
    }

    private static function form($kind)
    {
        $form = new pm_Form_Simple(['action' => pm_Context::getActionUrl('index', 'preview')]);
        $form->addElement('hidden', 'kind', ['value' => $kind]);
        return $form;
    }

    private static function select(pm_Form_Simple $form, $name, $label, array $floors)
    {
        $options = ['' => pm_Locale::lmsg('keep')];
        foreach ($floors as $f) {
            $options[$f] = $f;
        }
        $form->addElement('select', $name, ['label' => $label, 'multiOptions' => $options, 'value' => '']);
    }

    private static function serviceSelect(pm_Form_Simple $form, array $services)
    {
        $options = ['' => pm_Locale::lmsg('allServices')] + array_combine($services, $services);
        $form->addElement('select', 'service', ['label' => 'Service', 'multiOptions' => $options, 'value' => '']);
    }
}
