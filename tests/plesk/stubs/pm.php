<?php
/**
 * Stand-ins for the Plesk SDK classes the extension uses, with the signatures of Plesk's published API
 * stubs (plesk/pm-api-stubs) and the behaviour DESIGN.md §4 records. Only what the extension calls is
 * here. pm_ApiCli::callSbin runs the real built helper (MT_HELPER) with the sandbox's profile
 * (MT_PROFILE) and the request on stdin, as mod_wrapper would run sbin/mail-tls-helper as root.
 */

class pm_Exception extends Exception {}
class pm_Exception_ResultException extends pm_Exception {}
interface pm_Hook_Interface {}

class pm_Context
{
    private static $id;
    public static function init($id) { self::$id = $id; }
    public static function getModuleId() { return self::$id; }
    public static function getActionUrl($controller, $action) { return "/modules/" . self::$id . "/index.php/$controller/$action"; }
}

class pm_ApiCli
{
    const RESULT_FULL = 1;
    const RESULT_STDOUT = 2;
    const RESULT_STDERR = 3;
    const RESULT_CODE = 4;
    const RESULT_EXCEPTION = 5;

    /** Every call: ['command', 'args', 'env', 'stdin'] (tests check that argv stays empty). */
    public static $calls = [];

    public static function callSbin($command, $args = [], $result = self::RESULT_EXCEPTION, $env = [], $stdin = '')
    {
        self::$calls[] = ['command' => $command, 'args' => $args, 'env' => $env, 'stdin' => $stdin];
        $sbin = getenv('MT_SBIN_DIR') ?: dirname(getenv('MT_HELPER'));
        $path = $command === basename(getenv('MT_HELPER')) ? getenv('MT_HELPER') : "$sbin/$command";
        if (strpos($command, '/') !== false || !is_executable($path)) {
            throw new pm_Exception("Unable to execute $command: not found in the module's sbin");
        }
        $argv = array_merge([$path, '--profile', getenv('MT_PROFILE')], array_map('strval', $args));
        $proc = proc_open($argv, [0 => ['pipe', 'r'], 1 => ['pipe', 'w'], 2 => ['pipe', 'w']], $pipes, null, $env ?: null);
        fwrite($pipes[0], (string)$stdin);
        fclose($pipes[0]);
        $out = stream_get_contents($pipes[1]);
        $err = stream_get_contents($pipes[2]);
        fclose($pipes[1]);
        fclose($pipes[2]);
        $code = proc_close($proc);
        switch ($result) {
            case self::RESULT_FULL: return ['code' => $code, 'stdout' => $out, 'stderr' => $err];
            case self::RESULT_STDOUT: return $out;
            case self::RESULT_STDERR: return $err;
            case self::RESULT_CODE: return $code;
        }
        if ($code !== 0) {
            throw new pm_Exception_ResultException("$command exited with $code: $err", $code);
        }
        return $out;
    }
}

class pm_ActionLog
{
    const OLD_VALUE = 'old';
    const NEW_VALUE = 'new';
    /** Submitted events: ['action', 'object', 'old', 'new']. */
    public static $events = [];
    public static function submit($actionId, $objectId = null, $oldValues = null, $newValues = null)
    {
        self::$events[] = ['action' => $actionId, 'object' => $objectId, 'old' => $oldValues, 'new' => $newValues];
    }
}

abstract class pm_Hook_ActionLog implements pm_Hook_Interface
{
    abstract public function getEvents();
}

abstract class pm_Hook_ApiRpc implements pm_Hook_Interface
{
    abstract public function call($params);
}

/**
 * `plesk ext <id> --<command> [-option [value]] [argument]`: a method <command>Command; each of its
 * parameters is the option named by it in dashed form (dryRun: -dry-run), null when absent, true for
 * an option given without a value; words that are not options are the command's arguments.
 */
abstract class pm_Hook_ApiCli implements pm_Hook_Interface
{
    private $options = [];
    private $arguments = [];
    private $command;
    private $out = '';
    private $err = '';
    private $code = 0;

    public function init() {}
    public function getArguments() { return $this->arguments; }
    public function getOption($name, $default = null) { return $this->options[$name] ?? $default; }
    public function getCommandName() { return $this->command; }
    public function stdout($message) { $this->out .= $message; }
    public function stderr($message) { $this->err .= $message; }
    public function exitCode($code = 0) { $this->code = (int)$code; }

    /** run(argv without `plesk ext mail-tls`): ['stdout', 'stderr', 'code'] (test entry point). */
    public function run(array $argv)
    {
        $this->command = substr((string)array_shift($argv), 2);
        for ($i = 0; $i < count($argv); $i++) {
            $word = $argv[$i];
            if ($word !== '' && $word[0] === '-' && !is_numeric($word)) {
                $next = $argv[$i + 1] ?? null;
                $takesValue = $next !== null && ($next === '' || $next[0] !== '-');
                $this->options[substr($word, 1)] = $takesValue ? $argv[++$i] : true;
            } else {
                $this->arguments[] = $word;
            }
        }
        $method = new ReflectionMethod($this, $this->command . 'Command');
        $args = [];
        foreach ($method->getParameters() as $p) {
            $name = strtolower(preg_replace('/([a-z])([A-Z])/', '$1-$2', $p->getName()));
            $args[] = $this->options[$name] ?? null;
        }
        $this->init();
        $method->invokeArgs($this, $args);
        return ['stdout' => $this->out, 'stderr' => $this->err, 'code' => $this->code];
    }
}

class pm_Client
{
    private $admin;
    private $login;
    public function __construct($admin, $login) { $this->admin = $admin; $this->login = $login; }
    public function isAdmin() { return $this->admin; }
    public function getProperty($name) { return $name === 'login' ? $this->login : null; }
}

class pm_Session
{
    public static $client;
    /** Plesk's CSRF token of the session (forgery_protection_token). */
    public static $token = 'test-session-token';
    public static function getClient()
    {
        if (self::$client === null) {
            throw new pm_Exception('no session');
        }
        return self::$client;
    }
}

class pm_Locale
{
    private static $messages;
    public static function lmsg($key, $params = [])
    {
        if (self::$messages === null) {
            include getenv('MT_PLIB') . '/resources/locales/en-US.php';
            self::$messages = $messages;
        }
        $text = self::$messages[$key] ?? $key;
        foreach ($params as $k => $v) {
            $text = str_replace("%%$k%%", $v, $text);
        }
        return $text;
    }
}

/** Plesk's forms carry the session's CSRF token; isValid refuses a POST without it. */
class pm_Form_Simple
{
    const TOKEN = 'forgery_protection_token';
    private $options;
    private $elements = [];
    private $values = [];
    private $buttons = [];

    public function __construct($options = [])
    {
        $this->options = $options;
        $this->addElement('hidden', self::TOKEN, ['value' => pm_Session::$token]);
    }
    public function addElement($element, $name = null, $options = null)
    {
        $this->elements[$name] = ['type' => $element] + (array)$options;
        $this->values[$name] = $options['value'] ?? null;
        return $this;
    }
    public function getElement($name) { return $this->elements[$name] ?? null; }
    public function getElements() { return $this->elements; }
    public function addControlButtons($params = null) { $this->buttons = (array)$params; }
    public function getValue($name) { return $this->values[$name] ?? null; }
    public function getValues($suppressArrayNotation = false)
    {
        $v = $this->values;
        unset($v[self::TOKEN]);
        return $v;
    }
    /** Zend_Form's rules that matter here: the token, and a select's value must be one of its options. */
    public function isValid($data)
    {
        if (($data[self::TOKEN] ?? null) !== pm_Session::$token) {
            return false;
        }
        foreach ($this->elements as $name => $e) {
            if ($name === self::TOKEN || !array_key_exists($name, $data)) {
                continue;
            }
            $value = (string)$data[$name];
            if ($e['type'] === 'select' && !array_key_exists($value, $e['multiOptions'])) {
                return false;
            }
            $this->values[$name] = $e['type'] === 'checkbox' ? ($value === '1' ? '1' : '0') : $value;
        }
        return true;
    }
    public function __toString()
    {
        $h = 'htmlspecialchars';
        $html = '<form method="post" action="' . $h($this->options['action'] ?? '') . '">';
        foreach ($this->elements as $name => $e) {
            $label = isset($e['label']) ? '<label for="' . $h($name) . '">' . $h($e['label']) . '</label> ' : '';
            if ($e['type'] === 'select') {
                $html .= '<div>' . $label . '<select name="' . $h($name) . '" id="' . $h($name) . '">';
                foreach ($e['multiOptions'] as $k => $v) {
                    $html .= '<option value="' . $h($k) . '"' . ((string)$k === (string)$this->values[$name] ? ' selected' : '') . '>' . $h($v) . '</option>';
                }
                $html .= '</select></div>';
            } else {
                $html .= $label . '<input type="' . $h($e['type']) . '" name="' . $h($name) . '" value="' . $h((string)$this->values[$name]) . '">';
            }
        }
        return $html . '<button type="submit">' . $h($this->buttons['sendTitle'] ?? 'OK') . '</button></form>';
    }
}

/**
 * Plesk's status messages: addMessage($status, $message, $noEscape = false) escapes the message when the
 * page shows it unless $noEscape is true (pm-api-stubs: "if true, HTML is allowed in message").
 */
class pm_View_Status
{
    /** [type, text] of every message, in order. */
    public $messages = [];
    /** The $noEscape argument of every message, in order. */
    public $noEscape = [];
    public function addMessage($status, $message, $noEscape = false)
    {
        $this->messages[] = [$status, $message];
        $this->noEscape[] = (bool)$noEscape;
    }
    /** The messages as the page's status area shows them. */
    public function render()
    {
        $html = '';
        foreach ($this->messages as $i => [$status, $message]) {
            $text = $this->noEscape[$i] ? $message : htmlspecialchars($message, ENT_QUOTES, 'UTF-8');
            $html .= '<div class="msg-box msg-' . htmlspecialchars($status) . '">' . $text . '</div>';
        }
        return $html;
    }
}

class pm_View
{
    private $vars = [];
    public function __set($name, $value) { $this->vars[$name] = $value; }
    public function __get($name) { return $this->vars[$name] ?? null; }
    public function __isset($name) { return isset($this->vars[$name]); }
    /** Zend_View::escape: htmlspecialchars on the value as given (null is deprecated there since PHP 8.1). */
    public function escape($value) { return htmlspecialchars($value, ENT_QUOTES, 'UTF-8'); }
    public function render($script)
    {
        ob_start();
        include getenv('MT_PLIB') . '/views/scripts/' . $script;
        return ob_get_clean();
    }
}

class pm_Test_Request
{
    private $get;
    private $post;
    public function __construct(array $get, $post) { $this->get = $get; $this->post = $post; }
    public function isPost() { return $this->post !== null; }
    public function getParam($name, $default = null) { return $this->post[$name] ?? ($this->get[$name] ?? $default); }
    public function getPost($name = null, $default = null)
    {
        return $name === null ? (array)$this->post : ($this->post[$name] ?? $default);
    }
}

/** Zend_Controller_Action as far as the extension uses it; the access level as Plesk enforces it. */
abstract class pm_Controller_Action
{
    protected $_status;
    protected $_accessLevel = [];
    public $view;
    private $request;

    public function __construct(pm_Test_Request $request)
    {
        $this->request = $request;
        $this->view = new pm_View();
        $this->_status = new pm_View_Status();
        if (in_array('admin', (array)$this->_accessLevel, true) && !pm_Session::getClient()->isAdmin()) {
            throw new pm_Exception('Access denied');
        }
    }
    public function init() {}
    public function getRequest() { return $this->request; }
    public function getStatus() { return $this->_status; }
    public static function lmsg($key, $params = []) { return pm_Locale::lmsg($key, $params); }
}
