/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tsm-model: device and firmware model of the emulated TEE-IO platform.
 *
 * This header is the contract between the parts of the program:
 *
 *   spdm-*.c    SPDM 1.2 (DSP0274) responder and requester, the key
 *               schedule and DSP0277 secured messages over DOE, with
 *               OpenSSL libcrypto (crypto.c).
 *   idekm.c     PCIe IDE_KM, both roles.
 *   tdisp.c     PCIe TDISP, both roles, with the per-interface state
 *               machine and the interface report.
 *   main.c      the program: transports (/dev/tsm_emu_model,
 *               /dev/tsm_emu_host, SPDM socket framing), latency and
 *               fault injection, command line.
 *
 * The protocol code never does I/O itself: the responder is a function
 * from one request object to one response object, the requester talks
 * through a transport callback.  Everything received is untrusted and
 * bound-checked; no input may crash the program.
 *
 * Return convention: 0 or a positive count on success, a negative errno
 * on failure (-EINVAL malformed input, -EPROTO protocol violation or SPDM
 * ERROR received, -EBADMSG signature/MAC/certificate verification failed,
 * -ENOSPC buffer too small, -ENOMEM, -EIO transport).
 */
#ifndef TSM_MODEL_H
#define TSM_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* DOE data object types of the PCI-SIG vendor ID */
#define DOE_TYPE_DISCOVERY	0
#define DOE_TYPE_CMA		1
#define DOE_TYPE_SSESSION	2

/* Largest DOE object the emulation carries, header included */
#define MODEL_DOE_MAX		4096

/* SPDM VENDOR_DEFINED protocol IDs of the PCI-SIG registry */
#define PCISIG_PROTO_IDE_KM	0x00
#define PCISIG_PROTO_TDISP	0x01

/* TDISP interface states */
enum tdi_state {
	TDI_CONFIG_UNLOCKED	= 0,
	TDI_CONFIG_LOCKED	= 1,
	TDI_RUN			= 2,
	TDI_ERROR		= 3,
};

/**
 * enum model_fault - one-shot faults the device model can inject
 * @FAULT_NONE: behave
 * @FAULT_DROP: do not answer (the DOE requester times out)
 * @FAULT_DELAY: answer after model_faults.delay_ms (past the timeout)
 * @FAULT_BAD_LENGTH: answer with a DOE length that does not match the
 *	object (the transport glue corrupts the header)
 * @FAULT_BAD_SIGNATURE: flip a bit of the next signature produced
 *	(CHALLENGE_AUTH, MEASUREMENTS or KEY_EXCHANGE_RSP)
 * @FAULT_SPDM_ERROR: answer the next SPDM request with ERROR
 *	(Unspecified) instead of its response
 * @FAULT_TDISP_ERROR: answer the next TDISP request with TDISP_ERROR
 *	(UNSPECIFIED)
 * @FAULT_TRUNCATED: cut the innermost response in half (the IDE_KM or
 *	TDISP payload of a vendor-defined response, else the SPDM message),
 *	its length fields consistent, before any encryption
 * @FAULT_OVERSIZED: pad the response data object with zeros to
 *	%MODEL_DOE_MAX bytes, its DOE length consistent
 * @FAULT_MALFORMED: flip the top bit of the innermost response's code
 *	(IDE_KM object ID, TDISP version or SPDM response code)
 * @FAULT_IDE_INSECURE: acknowledge the next K_SET_GO, but keep its
 *	stream from turning Secure until its keys are stopped
 * @FAULT_BAD_CHAIN: flip a bit at the end of the certificate chain (the
 *	leaf's signature) in the CERTIFICATE response that carries it
 * @FAULT_MAX: number of kinds
 */
enum model_fault {
	FAULT_NONE,
	FAULT_DROP,
	FAULT_DELAY,
	FAULT_BAD_LENGTH,
	FAULT_BAD_SIGNATURE,
	FAULT_SPDM_ERROR,
	FAULT_TDISP_ERROR,
	FAULT_TRUNCATED,
	FAULT_OVERSIZED,
	FAULT_MALFORMED,
	FAULT_IDE_INSECURE,
	FAULT_BAD_CHAIN,
	FAULT_MAX,
};

/* ------------------------------------------------------------------ */
/* What the device model knows about one PCI function (one interface).  */

/**
 * struct model_fn - a PCI function as the device sees itself
 * @segment: PCI segment (domain) number
 * @rid: Requester ID, bus << 8 | devfn
 * @bar_size: size of each BAR in bytes; 0 when not implemented and for
 *	the upper half of a 64-bit BAR
 * @config: its 4 KiB configuration space (BAR values, MSI-X and IDE
 *	capabilities are parsed from here)
 */
struct model_fn {
	uint32_t segment;
	uint16_t rid;
	uint64_t bar_size[6];
	uint8_t config[4096];
};

/**
 * struct model_dev_ops - how the PCI-SIG protocols reach the platform
 * @fn_info: fill @fn for function @rid of the device (the DSM's own
 *	segment); return 0 or -ENODEV
 * @ide_key: the three keys (PR, NPR, CPL) of key set @key_set, direction
 *	@dir (%IDEKM_RX or %IDEKM_TX, seen from the device) of @stream_id
 *	are all set to go (@go, with @tag from idekm_key_tag()), or no
 *	longer are (@go false, @tag 0); only changes are reported
 * @tdi_state: interface @rid entered @state
 * @priv: passed to every callback
 */
struct model_dev_ops {
	int (*fn_info)(void *priv, uint32_t segment, uint16_t rid,
		       struct model_fn *fn);
	void (*ide_key)(void *priv, uint32_t segment, uint16_t rid,
			uint8_t stream_id, uint8_t key_set, uint8_t dir,
			bool go, uint32_t tag);
	void (*tdi_state)(void *priv, uint32_t segment, uint16_t rid,
			  enum tdi_state state);
	void *priv;
};

/* ------------------------------------------------------------------ */
/* Crypto identity (crypto.c)                                          */

struct model_identity;

/**
 * model_identity_load() - load the responder's certificate chain and key
 * @dir: directory written by gen-certs.sh (root.der, inter.der,
 *	leaf.der, leaf.key)
 *
 * Return: the identity or NULL (message on stderr).
 */
struct model_identity *model_identity_load(const char *dir);
void model_identity_free(struct model_identity *id);

/* ------------------------------------------------------------------ */
/* PCI-SIG protocols, device side (idekm.c, tdisp.c)                   */

struct pcisig_dev;

/**
 * pcisig_dev_new() - IDE_KM and TDISP responder state of one DSM
 * @segment: segment of the DSM
 * @rid: Requester ID of the DSM (function 0)
 * @ops: platform callbacks
 */
struct pcisig_dev *pcisig_dev_new(uint32_t segment, uint16_t rid,
				  const struct model_dev_ops *ops);
void pcisig_dev_free(struct pcisig_dev *d);

/**
 * pcisig_dev_vdm() - answer one PCI-SIG vendor-defined message
 * @d: device state
 * @proto: %PCISIG_PROTO_IDE_KM or %PCISIG_PROTO_TDISP
 * @req: protocol message (after the protocol ID byte)
 * @req_len: its size
 * @rsp: buffer for the response protocol message (without protocol ID)
 * @rsp_cap: size of @rsp
 * @fault: in: %FAULT_TDISP_ERROR makes a TDISP request fail; cleared when
 *	consumed
 *
 * Only called inside an established secured session.  Malformed requests
 * get the protocol's own error reply (TDISP_ERROR, KP_ACK status).
 *
 * Return: response length, or a negative errno if no reply can be built.
 */
int pcisig_dev_vdm(struct pcisig_dev *d, uint8_t proto,
		   const uint8_t *req, size_t req_len,
		   uint8_t *rsp, size_t rsp_cap, enum model_fault *fault);

/**
 * pcisig_dev_cfg_write() - a configuration write reached a locked function
 * @d: device state
 * @rid: function written to
 * @where: offset
 * @size: 1, 2 or 4
 * @old: previous value
 * @val: written value
 *
 * Moves the interface to ERROR (and reports it) if TDISP forbids the
 * change while CONFIG_LOCKED or RUN.
 */
void pcisig_dev_cfg_write(struct pcisig_dev *d, uint16_t rid, uint32_t where,
			  uint32_t size, uint32_t old, uint32_t val);

/**
 * pcisig_dev_session_end() - the SPDM session that programmed keys and
 *	locked interfaces ended
 * @d: device state
 *
 * Locked or running interfaces go to ERROR; keys are forgotten.
 */
void pcisig_dev_session_end(struct pcisig_dev *d);

/**
 * pcisig_dev_reset() - a function of the device was reset
 * @d: device state
 * @rid: the function
 * @conventional: Secondary Bus Reset or D3hot to D0 rather than FLR
 *
 * A reset of the DSM wipes every key and fails the locked interfaces;
 * the interface of @rid fails (FLR) or starts over unlocked
 * (conventional).
 */
void pcisig_dev_reset(struct pcisig_dev *d, uint16_t rid, bool conventional);

/* ------------------------------------------------------------------ */
/* SPDM responder (device side)                                        */

struct spdm_rsp;

/**
 * spdm_rsp_new() - SPDM responder of one DSM
 * @id: certificate chain and key (slot 0); not owned
 * @pcisig: handler of PCI-SIG vendor-defined messages; not owned
 */
struct spdm_rsp *spdm_rsp_new(const struct model_identity *id,
			      struct pcisig_dev *pcisig);
void spdm_rsp_free(struct spdm_rsp *r);

/**
 * spdm_rsp_reset() - the DSM was reset
 * @r: responder
 *
 * The session and the connection state are gone: the next request must
 * be GET_VERSION, a secured message of the old session is dropped.  An
 * established session takes the PCI-SIG state with it
 * (pcisig_dev_session_end()).
 */
void spdm_rsp_reset(struct spdm_rsp *r);

/**
 * spdm_rsp_handle() - answer one DOE payload
 * @r: responder
 * @doe_type: %DOE_TYPE_CMA (plain SPDM) or %DOE_TYPE_SSESSION (secured)
 * @req: payload of the request object (after the 8-byte DOE header)
 * @req_len: its size in bytes (may include up to 3 padding bytes)
 * @rsp: buffer for the response payload
 * @rsp_cap: size of @rsp
 * @fault: in/out, as for pcisig_dev_vdm(); %FAULT_BAD_SIGNATURE and
 *	%FAULT_SPDM_ERROR are consumed here
 *
 * Return: response payload length (not padded), or a negative errno when
 * nothing can be answered (e.g. a secured message that does not
 * authenticate: it is dropped, as DSP0277 requires).
 */
int spdm_rsp_handle(struct spdm_rsp *r, uint8_t doe_type,
		    const uint8_t *req, size_t req_len,
		    uint8_t *rsp, size_t rsp_cap, enum model_fault *fault);

/* ------------------------------------------------------------------ */
/* SPDM requester (firmware side)                                      */

/**
 * typedef model_xfer_t - send one DOE payload, receive the answer
 * @priv: transport cookie
 * @doe_type: %DOE_TYPE_CMA or %DOE_TYPE_SSESSION
 * @req: request payload (no DOE header)
 * @req_len: its size
 * @rsp: response buffer
 * @rsp_cap: its size
 *
 * Return: response payload length or a negative errno.
 */
typedef int (*model_xfer_t)(void *priv, uint8_t doe_type,
			    const uint8_t *req, size_t req_len,
			    uint8_t *rsp, size_t rsp_cap);

struct spdm_req;

/**
 * spdm_req_new() - SPDM requester
 * @xfer: transport
 * @priv: its cookie
 * @root_der: path of the DER trust anchor the responder chain must
 *	lead to
 */
struct spdm_req *spdm_req_new(model_xfer_t xfer, void *priv,
			      const char *root_der);
void spdm_req_free(struct spdm_req *q);

/* GET_VERSION, GET_CAPABILITIES, NEGOTIATE_ALGORITHMS */
int spdm_req_vca(struct spdm_req *q);
/* GET_DIGESTS and GET_CERTIFICATE (chunked) of @slot, chain verified */
int spdm_req_get_certificate(struct spdm_req *q, unsigned int slot);
/* The verified chain of the last spdm_req_get_certificate() (SPDM format) */
const uint8_t *spdm_req_cert_chain(struct spdm_req *q, size_t *len);
/*
 * The VCA transcript (GET_VERSION .. ALGORITHMS as exchanged), the first
 * part of what CHALLENGE_AUTH and MEASUREMENTS signatures cover
 */
const uint8_t *spdm_req_vca_transcript(struct spdm_req *q, size_t *len);
/* CHALLENGE, signature verified */
int spdm_req_challenge(struct spdm_req *q, unsigned int slot);
/*
 * GET_MEASUREMENTS of all indices, signed over @nonce (32 bytes; NULL for
 * a random one); the verified response (with signature) is copied to @out.
 */
int spdm_req_measurements(struct spdm_req *q, const uint8_t *nonce,
			  uint8_t *out, size_t out_cap);
/* The same, with raw bit streams where the device has them (@raw) */
int spdm_req_measurements_raw(struct spdm_req *q, const uint8_t *nonce, bool raw,
			      uint8_t *out, size_t out_cap);
/* KEY_EXCHANGE + FINISH: establish a secured session */
int spdm_req_start_session(struct spdm_req *q, unsigned int slot);
/* HEARTBEAT inside the session */
int spdm_req_heartbeat(struct spdm_req *q);
/*
 * HeartbeatPeriod (seconds) the responder announced for the session; 0:
 * none or no session.  Some message, HEARTBEAT if nothing else, must go
 * within it.
 */
unsigned int spdm_req_heartbeat_period(struct spdm_req *q);
/* KEY_UPDATE (UpdateAllKeys, then VerifyNewKey) */
int spdm_req_key_update(struct spdm_req *q);
/* END_SESSION */
int spdm_req_end_session(struct spdm_req *q);
/*
 * One PCI-SIG vendor-defined exchange inside the session: @req is the
 * protocol message (without protocol ID), the answer's protocol message
 * goes to @rsp.  Return: its length.
 */
int spdm_req_vdm(struct spdm_req *q, uint8_t proto,
		 const uint8_t *req, size_t req_len,
		 uint8_t *rsp, size_t rsp_cap);

/* ------------------------------------------------------------------ */
/* PCI-SIG protocols, requester side (idekm.c, tdisp.c)                */

/* IDE_KM key sub-streams and directions (key selector bits) */
#define IDEKM_RX		0
#define IDEKM_TX		1
#define IDEKM_SUB_PR		0
#define IDEKM_SUB_NPR		1
#define IDEKM_SUB_CPL		2

/* QUERY @port; the raw QUERY_RESP is copied to @rsp.  Return: length. */
int idekm_query(struct spdm_req *q, uint8_t port, uint8_t *rsp,
		size_t rsp_cap);
/* KEY_PROG of one key; a KP_ACK status other than Success is -EPROTO */
int idekm_key_prog(struct spdm_req *q, uint8_t port, uint8_t stream_id,
		   uint8_t keyset, uint8_t dir, uint8_t sub,
		   const uint8_t key[32], const uint8_t ifv[8]);
/* K_SET_GO / K_SET_STOP of one key */
int idekm_key_go(struct spdm_req *q, uint8_t port, uint8_t stream_id,
		 uint8_t keyset, uint8_t dir, uint8_t sub);
int idekm_key_stop(struct spdm_req *q, uint8_t port, uint8_t stream_id,
		   uint8_t keyset, uint8_t dir, uint8_t sub);
/*
 * The tag naming the keys of one key set and direction without revealing
 * them (samples/tsm/tsm-emu-bridge.h): the first four bytes, little
 * endian, of SHA-384 over the PR, NPR and CPL keys, in that order.  Both
 * ends of a stream compute it: the device over what it received, the
 * firmware over what it sent, for the root port.  Return: 0 or -EIO.
 */
int idekm_key_tag(const uint8_t keys[3][32], uint32_t *tag);

/* TDISP, interface @rid of the DSM's segment; TDISP_ERROR is -EPROTO */
int tdisp_get_version(struct spdm_req *q, uint16_t rid);
int tdisp_get_capabilities(struct spdm_req *q, uint16_t rid,
			   uint8_t *caps, size_t caps_cap);
int tdisp_lock(struct spdm_req *q, uint16_t rid, uint16_t flags,
	       uint8_t default_stream, uint64_t mmio_offset,
	       uint8_t nonce[32]);
/* Whole report, fetched in portions of at most @portion bytes */
int tdisp_get_report(struct spdm_req *q, uint16_t rid, size_t portion,
		     uint8_t *report, size_t report_cap);
int tdisp_get_state(struct spdm_req *q, uint16_t rid);
int tdisp_start(struct spdm_req *q, uint16_t rid, const uint8_t nonce[32]);
int tdisp_stop(struct spdm_req *q, uint16_t rid);
/*
 * Last TDISP_ERROR code received by the functions above (0 if none), so
 * callers can tell INVALID_INTERFACE_STATE from INVALID_NONCE.
 */
uint32_t tdisp_last_error(struct spdm_req *q);

/* Storage of that code inside the requester (used by tdisp.c) */
uint32_t *spdm_req_tdisp_error(struct spdm_req *q);

#endif /* TSM_MODEL_H */
