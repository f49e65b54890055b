#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Usage: OUTDIR argument.  Test PKI of the emulated TEE-IO device (FACTS 3.19),
# made with the openssl command only.
#
#   root.der   self-signed P-384 root CA (also root.pem), the trust anchor
#   inter.der  P-384 intermediate CA signed by the root
#   leaf.der   P-384 device certificate signed by the intermediate: critical
#              CA:FALSE, digitalSignature, EKU SPDM responder auth
#              (1.3.6.1.4.1.412.274.3), PCIe CMA subjectAltName otherName
#              2.23.147 "Vendor=7e57:Device=0010:CC=ff0000:REV=01"
#   leaf.key   the leaf's private key, PEM PKCS#8, unencrypted
#
# All signatures are ECDSA with SHA-384.  Idempotent: an existing complete
# set that verifies is kept; otherwise everything is generated again.  The
# keys are test keys: never commit the output (it goes under build/).
set -euo pipefail

if [ $# -ne 1 ]; then
	echo "usage: $0 OUTDIR" >&2
	exit 2
fi
out=$1

complete() {
	local f
	for f in root.der root.pem inter.der leaf.der leaf.key; do
		[ -s "$out/$f" ] || return 1
	done
	openssl x509 -inform DER -in "$out/inter.der" -out "$tmp/i.pem" 2>/dev/null &&
	openssl x509 -inform DER -in "$out/leaf.der" -out "$tmp/l.pem" 2>/dev/null &&
	openssl verify -CAfile "$out/root.pem" -untrusted "$tmp/i.pem" "$tmp/l.pem" \
		>/dev/null 2>&1
}

mkdir -p "$out"
tmp=$(mktemp -d "$out/.gen.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

if complete; then
	# Keep the set; refresh the make target's timestamp
	touch "$out/leaf.der"
	exit 0
fi

cat > "$tmp/ext.cnf" <<'EOF'
[ req ]
distinguished_name = dn
prompt = no
[ dn ]
CN = unused
[ v3_root ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[ v3_inter ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[ v3_leaf ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = 1.3.6.1.4.1.412.274.3
subjectAltName = otherName:2.23.147;UTF8:Vendor=7e57:Device=0010:CC=ff0000:REV=01
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
EOF

key() {
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 \
		-pkeyopt ec_param_enc:named_curve -out "$1" 2>/dev/null
}

key "$tmp/root.key"
key "$tmp/inter.key"
key "$tmp/leaf.key"

openssl req -new -x509 -config "$tmp/ext.cnf" -extensions v3_root -sha384 \
	-key "$tmp/root.key" -subj "/O=tsm-model test/CN=tsm-model test root CA" \
	-days 7300 -set_serial 1 -out "$tmp/root.pem"
openssl req -new -config "$tmp/ext.cnf" -sha384 -key "$tmp/inter.key" \
	-subj "/O=tsm-model test/CN=tsm-model test intermediate CA" -out "$tmp/inter.csr"
openssl x509 -req -in "$tmp/inter.csr" -CA "$tmp/root.pem" -CAkey "$tmp/root.key" \
	-extfile "$tmp/ext.cnf" -extensions v3_inter -sha384 -days 7300 -set_serial 2 \
	-out "$tmp/inter.pem" 2>/dev/null
openssl req -new -config "$tmp/ext.cnf" -sha384 -key "$tmp/leaf.key" \
	-subj "/O=tsm-model test/CN=tsm-model device 7e57:0010" -out "$tmp/leaf.csr"
openssl x509 -req -in "$tmp/leaf.csr" -CA "$tmp/inter.pem" -CAkey "$tmp/inter.key" \
	-extfile "$tmp/ext.cnf" -extensions v3_leaf -sha384 -days 7300 -set_serial 3 \
	-out "$tmp/leaf.pem" 2>/dev/null
openssl verify -CAfile "$tmp/root.pem" -untrusted "$tmp/inter.pem" "$tmp/leaf.pem" >/dev/null

for c in root inter leaf; do
	openssl x509 -in "$tmp/$c.pem" -outform DER -out "$tmp/$c.der"
done
for f in root.der inter.der leaf.der root.pem leaf.key; do
	mv -f "$tmp/$f" "$out/$f"
done
