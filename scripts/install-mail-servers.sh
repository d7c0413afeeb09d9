#!/usr/bin/env bash
# Debian's Dovecot (IMAP + LMTP) and Postfix for the real e-mail suite (tests/connectors/realnet/test_mail_real.py).
# The suite runs its own private instances on loopback under a temporary directory; the system services
# are never configured nor needed (they stay stopped when no init system runs them).
set -euo pipefail
need=()
[ -x /usr/sbin/dovecot ] || need+=(dovecot-core dovecot-imapd dovecot-lmtpd)
[ -x /usr/sbin/postfix ] || need+=(postfix)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != "0" ]; then
  echo "warning: ${need[*]} missing and not root; the real e-mail suite will be skipped" \
       "(sudo apt-get install dovecot-imapd dovecot-lmtpd postfix)" >&2
  exit 0
fi
echo "Installing Debian's ${need[*]} for the real e-mail suite…"
echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
apt-get update -qq >/dev/null
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
