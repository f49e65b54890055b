/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Device evidence of PCI/TSM: SPDM certificate chains and signed
 * measurement transcripts, as tsm/certs and tsm/measurements expose them
 * (Documentation/ABI/testing/sysfs-bus-pci), checked with OpenSSL.
 *
 * The algorithm set is the one the TSMs negotiate: ECDSA P-384 signatures
 * over SHA-384, SPDM 1.2 or later.  The functions never trust a length
 * field: every offset is checked against the buffer first.  Parse errors
 * are described by tsm_ev_error().
 *
 * The tsm command uses this file; tools/testing/tsm-model links it too, so
 * that the model's SPDM requester and the tool check signatures and
 * chains with the same code.
 */
#ifndef TSM_EVIDENCE_H
#define TSM_EVIDENCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#define TSM_EV_H		48	/* SHA-384 */
#define TSM_EV_S		96	/* ECDSA P-384, r || s */
#define TSM_EV_NONCE		32
#define TSM_EV_SIGN_PREFIX	100	/* SPDM 1.2 combined signing prefix */
#define TSM_EV_CHAIN_HDR	(4 + TSM_EV_H)
#define TSM_EV_MAX_CERTS	16

/* Signing context of the MEASUREMENTS signature */
#define TSM_EV_CTX_MEAS		"responder-measurements signing"

/**
 * struct tsm_ev_meas - a parsed measurement transcript
 * @version: the SPDM version of the messages (0x12 for 1.2)
 * @nonce: the requester's nonce of GET_MEASUREMENTS
 * @blocks: NumberOfBlocks of MEASUREMENTS
 * @record: the measurement record (inside the transcript)
 * @record_len: its length
 * @signed_len: transcript bytes the signature covers
 * @sig: the signature (r || s) at the end of the transcript
 *
 * Filled by tsm_ev_meas_parse(); the pointers point into its buffer.
 */
struct tsm_ev_meas {
	uint8_t version;
	uint8_t nonce[TSM_EV_NONCE];
	unsigned int blocks;
	const uint8_t *record;
	size_t record_len;
	size_t signed_len;
	const uint8_t *sig;
};

/**
 * struct tsm_ev_block - one measurement block of a record
 * @index: measurement index
 * @dmtf: the block uses the DMTF measurement specification
 * @type: DMTF value type (bits 6:0) and raw-bit-stream flag (bit 7)
 * @value: the value (DMTF) or the whole measurement (other specs)
 * @len: its length
 */
struct tsm_ev_block {
	uint8_t index;
	bool dmtf;
	uint8_t type;
	const uint8_t *value;
	size_t len;
};

const char *tsm_ev_error(void);
void tsm_ev_sign_prefix(uint8_t version, const char *context,
			uint8_t out[TSM_EV_SIGN_PREFIX]);
int tsm_ev_ecdsa_verify(EVP_PKEY *key, const void *msg, size_t len,
			const uint8_t sig[TSM_EV_S]);
int tsm_ev_spdm_verify(EVP_PKEY *key, uint8_t version, const char *context,
		       const uint8_t th[TSM_EV_H], const uint8_t sig[TSM_EV_S]);
int tsm_ev_certs_verify(X509 *anchor, const uint8_t *der, size_t len,
			EVP_PKEY **leaf_key);
struct stack_st_X509 *tsm_ev_chain_certs(const uint8_t *chain, size_t len);
int tsm_ev_chain_pem(const uint8_t *chain, size_t len, FILE *out);
int tsm_ev_chain_verify(X509 *anchor, const uint8_t *chain, size_t len,
			EVP_PKEY **leaf_key);
int tsm_ev_meas_parse(const uint8_t *meas, size_t len, struct tsm_ev_meas *m);
bool tsm_ev_meas_plain(const uint8_t *meas, size_t len);
int tsm_ev_meas_signed(EVP_PKEY *leaf, const uint8_t *meas,
		       const struct tsm_ev_meas *m);
int tsm_ev_meas_verify(EVP_PKEY *leaf, const uint8_t *meas, size_t len,
		       struct tsm_ev_meas *m);
int tsm_ev_meas_next(const struct tsm_ev_meas *m, size_t *off,
		     struct tsm_ev_block *b);
const char *tsm_ev_type_name(uint8_t type);

#endif /* TSM_EVIDENCE_H */
