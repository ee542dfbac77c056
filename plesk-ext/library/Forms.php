<?php
/**
 * Modules_MailTls_Forms - the UI's forms (pm_Form_Simple, which carries Plesk's CSRF token and checks
 * it in isValid) and how a submitted form becomes a change: ['action' => set|compliance|rollback,
 * 'options' => Modules_MailTls_Requests options]. Every change goes through a dry run (preview) and a
 * confirm form that carries the same change back; the change is rebuilt by Modules_MailTls_Requests on
 * apply, so a posted change can only be a request the UI itself could make.
 */
class Modules_MailTls_Forms
{
    const VERSIONS = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];
    const PRESETS = ['modern', 'intermediate', 'legacy', 'pci'];

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
