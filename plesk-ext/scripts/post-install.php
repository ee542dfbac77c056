<?php
// Runs after install and upgrade, possibly without root: nothing privileged here. The helper needs no
// setup (Plesk installs sbin/mail-tls-helper for mod_wrapper; the helper creates its state directory
// on its first change).
pm_Context::init('mail-tls');
echo "mail-tls installed: Extensions > Mail TLS Floors, or `plesk ext mail-tls --status`\n";
exit(0);
