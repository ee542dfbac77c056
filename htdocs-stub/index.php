<?php
// Standard Plesk extension entry point: becomes htdocs/index.php in the package.
pm_Context::init('mail-tls');
$application = new pm_Application();
$application->run();
