<?php
/**
 * PHPUnit bootstrap: the pm_* stand-ins, Plesk's class loading for plib/ (Modules_MailTls_X ->
 * plib/library/X.php; hooks and controllers by file), and the three ways in that the tests drive:
 * the CLI (`plesk ext mail-tls ...`), the XML API gateway and a UI page.
 *
 * Environment: MT_PLIB (the extension's plib/, default plesk-ext/), MT_HELPER (the built helper),
 * MT_PROFILE (the sandbox profile). The helper really runs: as root, against the sandbox's files and
 * daemons.
 */
$top = dirname(__DIR__, 2);
foreach (['MT_PLIB' => "$top/plesk-ext", 'MT_HELPER' => "$top/helper/mail-tls-helper",
          'MT_PROFILE' => '/var/tmp/mail-tls-sandbox/profile.json'] as $k => $v) {
    if (!getenv($k)) {
        putenv("$k=$v");
    }
}
require __DIR__ . '/stubs/pm.php';
spl_autoload_register(function ($class) {
    if (strpos($class, 'Modules_MailTls_') === 0) {
        $file = getenv('MT_PLIB') . '/library/' . str_replace('_', '/', substr($class, 16)) . '.php';
        if (is_file($file)) {
            require $file;
        }
    }
});
foreach (['ApiCli', 'ApiRpc', 'ActionLog'] as $hook) {
    require getenv('MT_PLIB') . "/hooks/$hook.php";
}
require getenv('MT_PLIB') . '/controllers/IndexController.php';
pm_Context::init('mail-tls');

class MailTlsTest
{
    /** cli(argv): `plesk ext mail-tls ARGV...` -> ['stdout', 'stderr', 'code', 'reply' (decoded stdout)]. */
    public static function cli(array $argv)
    {
        $r = (new Modules_MailTls_ApiCli())->run($argv);
        $r['reply'] = json_decode($r['stdout'], true);
        return $r;
    }

    /**
     * xml(inner): the XML API's answer to
     * <packet><extension><call><mail-tls>INNER</mail-tls></call></extension></packet>, as Plesk's
     * gateway makes it: the operation's elements become the hook's array, its result or pm_Exception
     * becomes <result> with status, errcode and errtext.
     */
    public static function xml($inner)
    {
        $packet = new SimpleXMLElement("<packet><extension><call><mail-tls>$inner</mail-tls></call></extension></packet>");
        $params = self::toArray($packet->extension->call->{'mail-tls'});
        $out = new SimpleXMLElement('<packet><extension><call><result/></call></extension></packet>');
        $result = $out->extension->call->result;
        try {
            $data = (new Modules_MailTls_ApiRpc())->call($params);
            $result->addChild('status', 'ok');
            self::addArray($result->addChild('mail-tls'), $data);
        } catch (pm_Exception $e) {
            $result->addChild('status', 'error');
            $result->addChild('errcode', (string)$e->getCode());
            $result->addChild('errtext', htmlspecialchars($e->getMessage(), ENT_XML1));
        }
        return $out->extension->call->result;
    }

    /**
     * page(action, get, post): the UI page -> ['html', 'messages' ([type, text]), 'status' (the status
     * area's HTML), 'view']. Every message must leave the escaping to Plesk ($noEscape false).
     */
    public static function page($action, array $get = [], array $post = null)
    {
        $c = new IndexController(new pm_Test_Request($get, $post));
        $c->init();
        $c->{$action . 'Action'}();
        $status = $c->getStatus();
        if (in_array(true, $status->noEscape, true)) {
            throw new LogicException("a status message of $action asks Plesk not to escape it");
        }
        return ['html' => $c->view->render("index/$action.phtml"), 'messages' => $status->messages,
                'status' => $status->render(), 'view' => $c->view];
    }

    /** A form's fields as a browser would post them (the CSRF token included). */
    public static function post(pm_Form_Simple $form, array $values)
    {
        $data = [];
        foreach ($form->getElements() as $name => $e) {
            $data[$name] = (string)$form->getValue($name);
        }
        $data[pm_Form_Simple::TOKEN] = pm_Session::$token;
        return array_merge($data, $values);
    }

    private static function toArray(SimpleXMLElement $el)
    {
        $a = [];
        foreach ($el->children() as $name => $child) {
            $a[$name] = $child->count() ? self::toArray($child) : (string)$child;
        }
        return $a;
    }

    private static function addArray(SimpleXMLElement $el, array $data)
    {
        foreach ($data as $k => $v) {
            if (is_array($v)) {
                self::addArray($el->addChild($k), $v);
            } else {
                $el->addChild($k, htmlspecialchars((string)$v, ENT_XML1));
            }
        }
    }
}
require_once __DIR__ . '/LiveTestCase.php';
