<?php
/**
 * The admin UI. Every page is one or two helper requests (Modules_MailTls_Service) rendered by its
 * view; every change is previewed as a dry run with its diffs first, then applied from the preview's
 * confirm form. Administrators only ($_accessLevel); forms are pm_Form_Simple with Plesk's CSRF token.
 *
 *   index     status (configured and effective floor per endpoint; the live floor only with live=1,
 *             the page's "Verify now" button), drift with re-apply, the floor selects, presets,
 *             PCI compliance
 *   preview   POST of one of those forms (or History's rollback): the dry run, with an Apply button
 *   apply     POST of the confirm form: the change, its result, an Action Log event
 *   probe     "Verify now": the probe matrix
 *   diagnose  refused clients and the impact of each floor, from the mail logs
 *   history   the journal, with a rollback button per committed change
 */
class IndexController extends pm_Controller_Action
{
    protected $_accessLevel = 'admin';

    /** @var Modules_MailTls_Service */
    private $service;

    public function init()
    {
        parent::init();
        $this->view->pageTitle = $this->lmsg('pageTitle');
        $this->view->tabs = [
            ['title' => $this->lmsg('tabStatus'), 'action' => 'index'],
            ['title' => $this->lmsg('tabProbe'), 'action' => 'probe'],
            ['title' => $this->lmsg('tabDiagnose'), 'action' => 'diagnose'],
            ['title' => $this->lmsg('tabHistory'), 'action' => 'history'],
        ];
        $login = pm_Session::getClient()->getProperty('login');
        $this->service = new Modules_MailTls_Service(new Modules_MailTls_Helper(), 'plesk:' . $login);
    }

    public function indexAction()
    {
        // Read-only unless asked: a live status probes every endpoint with TLS 1.0 to 1.3, and the refused
        // handshakes from 127.0.0.1 would then show up on the Diagnose page as failing clients.
        $live = $this->getRequest()->getParam('live', '0') === '1';
        $this->view->live = $live;
        $status = $this->call('status', ['live' => $live]);
        $caps = $this->call('capabilities');
        if ($status === null || $caps === null) {
            return;
        }
        $services = Modules_MailTls_Forms::installed($caps);
        $this->view->status = $status;
        $this->view->drift = self::drift($status);
        $this->view->floorForm = Modules_MailTls_Forms::floors($caps);
        $this->view->presetForm = Modules_MailTls_Forms::preset($services);
        $this->view->complianceForm = Modules_MailTls_Forms::compliance($services);
        $this->view->reapplyForm = Modules_MailTls_Forms::reapply();
    }

    public function previewAction()
    {
        $this->view->preview = null;
        if (!$this->getRequest()->isPost()) {
            return;
        }
        $kind = (string)$this->getRequest()->getPost('kind', '');
        $caps = $this->call('capabilities');
        $form = $caps === null ? null : Modules_MailTls_Forms::byKind($kind, $caps);
        if ($form === null || !$form->isValid($this->getRequest()->getPost())) {
            $this->_status->addMessage('error', $this->lmsg('csrf'));
            return;
        }
        $change = Modules_MailTls_Forms::change($kind, $form);
        if ($change === null) {
            $this->_status->addMessage('warning', $this->lmsg('noFloorChosen'));
            return;
        }
        $reply = $this->call($change['action'], $change['options'] + ['dry-run' => true]);
        if ($reply === null) {
            return;
        }
        $this->view->preview = $reply;
        $this->view->change = $change;
        if (($reply['dry_run'] ?? false) === true) {
            $this->view->confirmForm = Modules_MailTls_Forms::confirm($change);
        } else {
            $this->_status->addMessage('info', $this->lmsg('dryRunNothing'));
        }
    }

    public function applyAction()
    {
        $this->view->result = null;
        $form = Modules_MailTls_Forms::confirm(['action' => 'set', 'options' => []]);
        if (!$this->getRequest()->isPost() || !$form->isValid($this->getRequest()->getPost())) {
            $this->_status->addMessage('error', $this->lmsg('csrf'));
            return;
        }
        $change = json_decode((string)$form->getValue('change'), true);
        $refusal = Modules_MailTls_Forms::refusal($change);
        if ($refusal !== null) {
            $this->_status->addMessage('error', $this->lmsg('changeRefused', ['what' => $refusal]));
            return;
        }
        $options = $change['options'];
        if ($change['action'] === 'set' && $form->getValue('verify')) {
            $options['verify'] = true;
        }
        $reply = $this->call($change['action'], $options);
        if ($reply === null) {
            return;
        }
        $this->view->result = $reply;
        if (isset($reply['change_id'])) {
            $this->_status->addMessage('info', $this->lmsg('applied', ['id' => $reply['change_id']]));
        } else {
            $this->_status->addMessage('info', $this->lmsg('dryRunNothing'));
        }
    }

    public function probeAction()
    {
        $this->view->probe = $this->call('probe');
    }

    public function diagnoseAction()
    {
        $since = trim((string)$this->getRequest()->getParam('since', ''));
        $this->view->since = $since;
        $this->view->diagnose = $this->call('diagnose', ['since' => $since === '' ? null : $since]);
    }

    public function historyAction()
    {
        $history = $this->call('history', ['limit' => '50']);
        $this->view->history = $history;
        $forms = [];
        foreach ($history['changes'] ?? [] as $c) {
            if ($c['state'] === 'committed') {
                $forms[$c['change_id']] = Modules_MailTls_Forms::rollback($c['change_id']);
            }
        }
        $this->view->rollbackForms = $forms;
    }

    /** One helper request; on failure the error's message (with its remedy) and null. */
    private function call($action, array $options = [])
    {
        try {
            return $this->service->run($action, $options);
        } catch (Modules_MailTls_HelperException $e) {
            $this->_status->addMessage('error', Modules_MailTls_Messages::forError($e));
            $this->view->errorReply = $e->getReply();
            return null;
        }
    }

    /** drift(status): [[endpoint, message]] for every endpoint with a `drift` warning. */
    private static function drift(array $status)
    {
        $rows = [];
        foreach ($status['services'] ?? [] as $s) {
            foreach ($s['endpoints'] ?? [] as $e) {
                foreach ($e['warnings'] ?? [] as $w) {
                    if ($w['code'] === 'drift') {
                        $rows[] = [$s['service'] . '/' . $e['endpoint'], $w['message']];
                    }
                }
            }
        }
        return $rows;
    }
}
