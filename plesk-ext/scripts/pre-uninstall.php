<?php
// Runs before uninstall, possibly without root: nothing privileged, nothing changed. The TLS floors
// mail-tls set stay as they are (roll them back first to undo them), and so does the helper's journal
// in /var/lib/mail-tls.
pm_Context::init('mail-tls');
echo "mail-tls: the mail TLS floors stay as they are; roll back changes before uninstalling to undo them\n";
exit(0);
