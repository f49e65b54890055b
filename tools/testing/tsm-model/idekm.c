// SPDX-License-Identifier: GPL-2.0
/*
 * tsm-model: PCIe IDE_KM (FACTS section 4), device and requester side,
 * plus the life cycle of the PCI-SIG device state (struct pcisig_dev).
 *
 * Device side choices where IDE_KM has no error message:
 *  - QUERY of a PortIndex other than 0 (the DSM only has its own port,
 *    MaxPortIndex is 0), a QUERY or K_SET_GO/K_SET_STOP of the wrong
 *    length, with reserved key selector bits or a sub-stream above CPL,
 *    and unknown object IDs get no answer: pcisig_dev_vdm() returns
 *    -EINVAL and the SPDM layer decides what to send (if anything).
 *  - K_SET_GO of a key slot that was never programmed (or was stopped)
 *    gets no answer either (-ENOKEY): acknowledging it would make the
 *    requester believe the key is in use.
 *  - KEY_PROG of a slot whose key is currently set to go is refused with
 *    KP_ACK "Unspecified failure": an active key is never replaced behind
 *    the link partner's back; rekeying uses the other key set.
 *  - Keys are kept per Stream ID (any of 0..255): the Stream ID is not
 *    checked against the Selective IDE Stream Control registers.
 *  - The platform learns the state of each key set and direction of a
 *    stream (ops->ide_key()): go, with the tag of its keys, once its three
 *    sub-streams {PR, NPR, CPL} are set to go; not go after a K_SET_STOP
 *    of any of them, which wipes that key.  Only changes are reported.
 *  - The device transmits with the key set whose Tx keys were all set to
 *    go last; when one of them is stopped it falls back to the other key
 *    set if that one's Tx keys are all in force, as the emulated link does
 *    (samples/tsm).  The stream is ready for TDISP (idekm_stream_ready())
 *    while the Tx keys of that key set and the Rx keys of at least one
 *    key set are set to go, so stopping the key set a rollover left
 *    unused changes nothing, while stopping keys the stream depends on
 *    fails the interfaces locked to it.
 *  - %FAULT_IDE_INSECURE marks the key set and direction of the K_SET_GO
 *    that takes it: it is reported not go (its keys acknowledged but not
 *    in force, so the link partner's traffic on it fails) until a
 *    K_SET_STOP of one of its keys.  Readiness is not affected.
 *  - QUERY_RESP Segment is the low 8 bits of the DSM's segment.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "pcisig.h"

/* ------------------------------------------------------------------ */
/* Configuration space                                                 */

#define PCI_STATUS_REG		0x06
#define PCI_STATUS_CAP_LIST	0x10
#define PCI_CAP_PTR		0x34

/**
 * pcisig_find_cap() - find a capability in the legacy capability list
 * @cfg: 4 KiB configuration space
 * @id: capability ID
 *
 * The walk is bounded and only follows aligned pointers inside the first
 * 256 bytes, so a looping or corrupt list ends it.
 *
 * Return: offset of the capability, 0 if absent.
 */
uint16_t pcisig_find_cap(const uint8_t *cfg, uint8_t id)
{
	unsigned int pos, n;

	if (!(get_le16(cfg + PCI_STATUS_REG) & PCI_STATUS_CAP_LIST))
		return 0;
	pos = cfg[PCI_CAP_PTR] & ~3u;
	for (n = 0; n < 48 && pos >= 0x40 && pos <= PCI_CFG_LEGACY - 4; n++) {
		if (cfg[pos] == id)
			return (uint16_t)pos;
		pos = cfg[pos + 1] & ~3u;
	}
	return 0;
}

/**
 * pcisig_find_ext_cap() - find an extended capability
 * @cfg: 4 KiB configuration space
 * @id: extended capability ID
 *
 * Follows the list from 0x100; every offset must be dword aligned and
 * inside the 4 KiB space, and at most one step per dword is taken.
 *
 * Return: offset of the capability, 0 if absent.
 */
uint16_t pcisig_find_ext_cap(const uint8_t *cfg, uint16_t id)
{
	unsigned int pos = PCI_CFG_LEGACY, n;
	uint32_t hdr;

	for (n = 0; n < (PCI_CFG_SIZE - PCI_CFG_LEGACY) / 4; n++) {
		if (pos < PCI_CFG_LEGACY || pos > PCI_CFG_SIZE - 4 || (pos & 3))
			return 0;
		hdr = get_le32(cfg + pos);
		if (hdr == 0 || hdr == 0xffffffff)
			return 0;
		if ((hdr & 0xffff) == id)
			return (uint16_t)pos;
		pos = hdr >> 20;
		if (!pos)
			return 0;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* IDE capability geometry                                             */

#define IDE_CAP_LINK		0x00000001
#define IDE_CAP_SEL		0x00000002
#define IDE_CAP_LINK_TC(c)	(((c) >> 13) & 0x7)
#define IDE_CAP_SEL_NUM(c)	(((c) >> 16) & 0xff)
#define IDE_SEL_ASSOC(c)	((c) & 0xf)

static unsigned int ide_nr_link(uint32_t cap)
{
	return (cap & IDE_CAP_LINK) ? IDE_CAP_LINK_TC(cap) + 1 : 0;
}

static unsigned int ide_nr_sel(uint32_t cap)
{
	return (cap & IDE_CAP_SEL) ? IDE_CAP_SEL_NUM(cap) + 1 : 0;
}

/*
 * Dump the IDE register block (FACTS 4, QUERY_RESP +7) of the capability
 * at @ide in @cfg to @out.  Return the dump size, -EINVAL if the
 * capability does not fit in configuration space, -ENOSPC if not in @cap.
 */
static int ide_dump(const uint8_t *cfg, unsigned int ide, uint8_t *out,
		    size_t cap)
{
	unsigned int pos = ide + 4, nlink, nsel, i, nregs;
	size_t n = 0;
	uint32_t idecap;

	if (ide > PCI_CFG_SIZE - 12)
		return -EINVAL;
	idecap = get_le32(cfg + pos);
	nlink = ide_nr_link(idecap);
	nsel = ide_nr_sel(idecap);

	/* IDE Capability, IDE Control, then 2 registers per link block */
	nregs = 2 + 2 * nlink;
	for (i = 0; i <= nsel; i++) {
		unsigned int k;

		if (pos > PCI_CFG_SIZE - 4 * nregs)
			return -EINVAL;
		if (n + 4 * nregs > cap)
			return -ENOSPC;
		for (k = 0; k < nregs; k++) {
			memcpy(out + n, cfg + pos, 4);
			n += 4;
			pos += 4;
		}
		if (i == nsel)
			break;
		/* Selective block i: its own capability says how long it is */
		if (pos > PCI_CFG_SIZE - 4)
			return -EINVAL;
		nregs = 5 + 3 * IDE_SEL_ASSOC(get_le32(cfg + pos));
	}
	return (int)n;
}

/*
 * Check a register dump received in QUERY_RESP: it must hold exactly the
 * registers its IDE Capability announces.
 */
static int ide_dump_check(const uint8_t *p, size_t len)
{
	unsigned int nlink, nsel, i;
	size_t pos = 0, nregs;
	uint32_t idecap;

	if (len < 8)
		return -EPROTO;
	idecap = get_le32(p);
	nlink = ide_nr_link(idecap);
	nsel = ide_nr_sel(idecap);
	if (nsel > 255)
		return -EPROTO;
	nregs = 2 + 2 * nlink;
	for (i = 0; i <= nsel; i++) {
		if (len - pos < 4 * nregs)
			return -EPROTO;
		pos += 4 * nregs;
		if (i == nsel)
			break;
		if (len - pos < 4)
			return -EPROTO;
		nregs = 5 + 3 * IDE_SEL_ASSOC(get_le32(p + pos));
	}
	return pos == len ? 0 : -EPROTO;
}

/* ------------------------------------------------------------------ */
/* Device side                                                         */

static void idekm_wipe_key(struct idekm_key *k)
{
	OPENSSL_cleanse(k, sizeof(*k));
}

/**
 * idekm_key_tag() - tag of the keys of one key set and direction
 * @keys: the PR, NPR and CPL keys
 * @tag: receives the first four bytes of SHA-384 over them, little endian
 *
 * Return: 0, or -EIO if the digest could not be computed.
 */
int idekm_key_tag(const uint8_t keys[3][32], uint32_t *tag)
{
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;

	if (EVP_Digest(keys, 3 * IDEKM_KEY_LEN, md, &len, EVP_sha384(),
		       NULL) != 1 || len < 4)
		return -EIO;
	*tag = get_le32(md);
	OPENSSL_cleanse(md, sizeof(md));
	return 0;
}

/* All three sub-streams of key set @ks, direction @dir set to go? */
static bool idekm_set_go(const struct idekm_stream *s, unsigned int ks,
			 unsigned int dir)
{
	unsigned int sub;

	for (sub = 0; sub < 3; sub++)
		if (!s->k[ks][dir][sub].go)
			return false;
	return true;
}

/* Tag of the keys of a key set and direction (0 if it can't be had) */
static uint32_t idekm_set_tag(const struct idekm_stream *s, unsigned int ks,
			      unsigned int dir)
{
	uint8_t keys[3][IDEKM_KEY_LEN];
	uint32_t tag = 0;
	unsigned int sub;

	for (sub = 0; sub < 3; sub++)
		memcpy(keys[sub], s->k[ks][dir][sub].key, IDEKM_KEY_LEN);
	if (idekm_key_tag(keys, &tag))
		tag = 0;
	OPENSSL_cleanse(keys, sizeof(keys));
	return tag;
}

/*
 * After a change of the keys of @stream_id: report the key sets and
 * directions whose state changed, and fail the interfaces using the
 * stream when it stops being ready.
 */
static void idekm_update(struct pcisig_dev *d, uint8_t stream_id)
{
	struct idekm_stream *s = &d->streams[stream_id];
	unsigned int ks, dir;
	uint32_t tag;
	bool go, ready;

	for (ks = 0; ks < 2; ks++) {
		for (dir = 0; dir < 2; dir++) {
			go = idekm_set_go(s, ks, dir) && !s->broken[ks][dir];
			if (go == s->go[ks][dir])
				continue;
			s->go[ks][dir] = go;
			tag = go ? idekm_set_tag(s, ks, dir) : 0;
			if (d->ops.ide_key)
				d->ops.ide_key(d->ops.priv, d->segment, d->rid,
					       stream_id, (uint8_t)ks,
					       (uint8_t)dir, go, tag);
		}
	}
	ready = idekm_stream_ready(d, stream_id);
	if (ready == s->ready)
		return;
	s->ready = ready;
	if (!ready)
		tdisp_stream_stopped(d, stream_id);
}

/**
 * idekm_stream_ready() - whether a stream can carry traffic both ways
 * @d: device state
 * @stream_id: IDE Stream ID
 *
 * Return: true if the Tx keys of the key set in use and the Rx keys of at
 * least one key set are all programmed and set to go.
 */
bool idekm_stream_ready(const struct pcisig_dev *d, uint8_t stream_id)
{
	const struct idekm_stream *s = &d->streams[stream_id];

	return idekm_set_go(s, s->tx_set, IDEKM_TX) &&
	       (idekm_set_go(s, 0, IDEKM_RX) || idekm_set_go(s, 1, IDEKM_RX));
}

static int idekm_query_rsp(struct pcisig_dev *d, const uint8_t *req,
			   size_t len, uint8_t *rsp, size_t cap)
{
	struct model_fn *fn;
	unsigned int ide;
	int n;

	if (len != IDEKM_QUERY_LEN || req[2] != 0)
		return -EINVAL;
	if (cap < IDEKM_QUERY_RESP_HDR + 8)
		return -ENOSPC;

	fn = calloc(1, sizeof(*fn));
	if (!fn)
		return -ENOMEM;
	if (d->ops.fn_info(d->ops.priv, d->segment, d->rid, fn)) {
		n = -ENODEV;
		goto out;
	}
	ide = pcisig_find_ext_cap(fn->config, PCI_EXT_CAP_IDE);
	if (!ide) {
		n = -ENODEV;
		goto out;
	}
	n = ide_dump(fn->config, ide, rsp + IDEKM_QUERY_RESP_HDR,
		     cap - IDEKM_QUERY_RESP_HDR);
	if (n < 0)
		goto out;

	rsp[0] = IDEKM_QUERY_RESP;
	rsp[1] = 0;
	rsp[2] = 0;			/* PortIndex */
	rsp[3] = (uint8_t)d->rid;	/* Dev/Func */
	rsp[4] = (uint8_t)(d->rid >> 8);	/* Bus */
	rsp[5] = (uint8_t)d->segment;
	rsp[6] = 0;			/* MaxPortIndex */
	n += IDEKM_QUERY_RESP_HDR;
out:
	free(fn);
	return n;
}

static int idekm_key_prog_rsp(struct pcisig_dev *d, const uint8_t *req,
			      size_t len, uint8_t *rsp, size_t cap)
{
	uint8_t stream_id = len > 3 ? req[3] : 0;
	uint8_t ks = len > 5 ? req[5] : 0;
	uint8_t port = len > 6 ? req[6] : 0;
	unsigned int sub = ks >> IDEKM_KS_SUB_SHIFT;
	uint8_t status = IDEKM_KP_SUCCESS;
	struct idekm_key *k;

	if (cap < IDEKM_ACK_LEN)
		return -ENOSPC;

	if (len != IDEKM_KEY_PROG_LEN) {
		status = IDEKM_KP_BAD_LENGTH;
	} else if (port != 0) {
		status = IDEKM_KP_BAD_PORT;
	} else if (sub > IDEKM_SUB_CPL || (ks & IDEKM_KS_RSVD)) {
		status = IDEKM_KP_BAD_VALUE;
	} else {
		k = &d->streams[stream_id].k[ks & IDEKM_KS_KEYSET]
			[!!(ks & IDEKM_KS_DIR)][sub];
		if (k->go) {
			status = IDEKM_KP_FAILURE;
		} else {
			memcpy(k->key, req + 7, IDEKM_KEY_LEN);
			memcpy(k->ifv, req + 7 + IDEKM_KEY_LEN, IDEKM_IFV_LEN);
			k->programmed = true;
		}
	}

	rsp[0] = IDEKM_KP_ACK;
	rsp[1] = 0;
	rsp[2] = 0;
	rsp[3] = stream_id;
	rsp[4] = status;
	rsp[5] = ks;
	rsp[6] = port;
	return IDEKM_ACK_LEN;
}

static int idekm_gostop_rsp(struct pcisig_dev *d, const uint8_t *req,
			    size_t len, uint8_t *rsp, size_t cap,
			    enum model_fault *fault)
{
	bool go = req[0] == IDEKM_K_SET_GO, was_go;
	unsigned int sub, set, dir;
	struct idekm_stream *s;
	uint8_t stream_id, ks;
	struct idekm_key *k;

	if (len != IDEKM_GOSTOP_LEN)
		return -EINVAL;
	stream_id = req[3];
	ks = req[5];
	sub = ks >> IDEKM_KS_SUB_SHIFT;
	if (req[6] != 0 || sub > IDEKM_SUB_CPL || (ks & IDEKM_KS_RSVD))
		return -EINVAL;
	if (cap < IDEKM_ACK_LEN)
		return -ENOSPC;

	s = &d->streams[stream_id];
	set = ks & IDEKM_KS_KEYSET;
	dir = !!(ks & IDEKM_KS_DIR);
	k = &s->k[set][dir][sub];
	if (go) {
		if (!k->programmed)
			return -ENOKEY;
		was_go = k->go;
		k->go = true;
		/* The Tx key set this GO completes is the one sent with */
		if (dir == IDEKM_TX && !was_go && idekm_set_go(s, set, dir))
			s->tx_set = set;
		if (fault && *fault == FAULT_IDE_INSECURE) {
			*fault = FAULT_NONE;
			s->broken[set][dir] = true;
		}
	} else {
		idekm_wipe_key(k);
		s->broken[set][dir] = false;
		if (dir == IDEKM_TX && s->tx_set == set &&
		    idekm_set_go(s, set ^ 1, dir))
			s->tx_set = set ^ 1;
	}
	idekm_update(d, stream_id);

	memcpy(rsp, req, IDEKM_ACK_LEN);
	rsp[0] = IDEKM_K_GOSTOP_ACK;
	return IDEKM_ACK_LEN;
}

/**
 * idekm_dev_handle() - answer one IDE_KM message
 * @d: device state
 * @req: IDE_KM message
 * @len: its size
 * @rsp: response buffer
 * @cap: its size
 * @fault: %FAULT_IDE_INSECURE is consumed by the next K_SET_GO; may be
 *	NULL
 *
 * Return: response length or a negative errno when nothing is answered.
 */
int idekm_dev_handle(struct pcisig_dev *d, const uint8_t *req, size_t len,
		     uint8_t *rsp, size_t cap, enum model_fault *fault)
{
	if (!len)
		return -EINVAL;
	switch (req[0]) {
	case IDEKM_QUERY:
		return idekm_query_rsp(d, req, len, rsp, cap);
	case IDEKM_KEY_PROG:
		return idekm_key_prog_rsp(d, req, len, rsp, cap);
	case IDEKM_K_SET_GO:
	case IDEKM_K_SET_STOP:
		return idekm_gostop_rsp(d, req, len, rsp, cap, fault);
	default:
		return -EINVAL;
	}
}

static void idekm_wipe_all(struct pcisig_dev *d)
{
	unsigned int s;

	for (s = 0; s < IDEKM_NR_STREAMS; s++) {
		OPENSSL_cleanse(d->streams[s].k, sizeof(d->streams[s].k));
		memset(d->streams[s].broken, 0, sizeof(d->streams[s].broken));
		d->streams[s].tx_set = 0;
		idekm_update(d, (uint8_t)s);
	}
}

/**
 * pcisig_dev_new() - IDE_KM and TDISP responder state of one DSM
 * @segment: segment of the DSM
 * @rid: Requester ID of the DSM; must be function 0
 * @ops: platform callbacks (copied); @ops->fn_info is required
 *
 * Return: the device state or NULL (bad arguments, no memory).
 */
struct pcisig_dev *pcisig_dev_new(uint32_t segment, uint16_t rid,
				  const struct model_dev_ops *ops)
{
	struct pcisig_dev *d;

	if (!ops || !ops->fn_info || (rid & 7))
		return NULL;
	d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	d->segment = segment;
	d->rid = rid;
	d->ops = *ops;
	return d;
}

/**
 * pcisig_dev_free() - forget a DSM's state, wiping its keys
 * @d: device state or NULL
 *
 * No callbacks are made.
 */
void pcisig_dev_free(struct pcisig_dev *d)
{
	if (!d)
		return;
	OPENSSL_cleanse(d, sizeof(*d));
	free(d);
}

/**
 * pcisig_dev_vdm() - answer one PCI-SIG vendor-defined message
 * @d: device state
 * @proto: %PCISIG_PROTO_IDE_KM or %PCISIG_PROTO_TDISP
 * @req: protocol message (after the protocol ID byte)
 * @req_len: its size
 * @rsp: buffer for the response protocol message
 * @rsp_cap: size of @rsp
 * @fault: %FAULT_TDISP_ERROR is consumed by the next TDISP request,
 *	%FAULT_IDE_INSECURE by the next K_SET_GO; may
 *	be NULL
 *
 * Return: response length, or a negative errno if nothing is answered
 * (see the top of this file for the IDE_KM cases).
 */
int pcisig_dev_vdm(struct pcisig_dev *d, uint8_t proto,
		   const uint8_t *req, size_t req_len,
		   uint8_t *rsp, size_t rsp_cap, enum model_fault *fault)
{
	if (!d || (!req && req_len) || !rsp)
		return -EINVAL;
	switch (proto) {
	case PCISIG_PROTO_IDE_KM:
		return idekm_dev_handle(d, req, req_len, rsp, rsp_cap, fault);
	case PCISIG_PROTO_TDISP:
		return tdisp_dev_handle(d, req, req_len, rsp, rsp_cap, fault);
	default:
		return -EINVAL;
	}
}

/**
 * pcisig_dev_session_end() - the SPDM session that held the keys ended
 * @d: device state
 *
 * Locked and running interfaces go to ERROR, every key is wiped and
 * streams that were ready are reported not ready.
 */
void pcisig_dev_session_end(struct pcisig_dev *d)
{
	if (!d)
		return;
	tdisp_session_end(d);
	idekm_wipe_all(d);
}

/**
 * pcisig_dev_reset() - a function of the device was reset
 * @d: device state
 * @rid: the function
 * @conventional: a conventional reset (Secondary Bus Reset, D3hot to D0)
 *	rather than a Function Level Reset
 *
 * A reset of the DSM, which holds the SPDM session and the IDE_KM state,
 * wipes the keys of every stream and fails the locked and running
 * interfaces, as the loss of the session does.  The interface of @rid
 * then goes to ERROR after an FLR (if it was locked or running) and back
 * to CONFIG_UNLOCKED after a conventional reset.
 */
void pcisig_dev_reset(struct pcisig_dev *d, uint16_t rid, bool conventional)
{
	if (!d || (rid >> 3) != (d->rid >> 3))
		return;
	if (rid == d->rid)
		pcisig_dev_session_end(d);
	tdisp_fn_reset(d, rid, conventional);
}

/* ------------------------------------------------------------------ */
/* Requester side                                                      */

static int idekm_check_sel(uint8_t keyset, uint8_t dir, uint8_t sub)
{
	if (keyset > 1 || dir > IDEKM_TX || sub > IDEKM_SUB_CPL)
		return -EINVAL;
	return 0;
}

static uint8_t idekm_ks(uint8_t keyset, uint8_t dir, uint8_t sub)
{
	return (uint8_t)(keyset | dir << 1 | sub << IDEKM_KS_SUB_SHIFT);
}

/**
 * idekm_query() - IDE_KM QUERY of one port of the DSM
 * @q: requester (secured session established)
 * @port: PortIndex
 * @rsp: receives the QUERY_RESP message, checked for consistency
 * @rsp_cap: size of @rsp
 *
 * Return: QUERY_RESP length, -EPROTO for a malformed or mismatched
 * answer, -ENOSPC if @rsp is too small, or the transport's error.
 */
int idekm_query(struct spdm_req *q, uint8_t port, uint8_t *rsp,
		size_t rsp_cap)
{
	uint8_t req[IDEKM_QUERY_LEN] = { IDEKM_QUERY, 0, port };
	uint8_t buf[MODEL_DOE_MAX];
	int n;

	n = spdm_req_vdm(q, PCISIG_PROTO_IDE_KM, req, sizeof(req), buf,
			 sizeof(buf));
	if (n < 0)
		return n;
	if ((size_t)n > sizeof(buf) || n < IDEKM_QUERY_RESP_HDR + 8)
		return -EPROTO;
	if (buf[0] != IDEKM_QUERY_RESP || buf[2] != port || buf[6] < port)
		return -EPROTO;
	if (ide_dump_check(buf + IDEKM_QUERY_RESP_HDR,
			   n - IDEKM_QUERY_RESP_HDR))
		return -EPROTO;
	if ((size_t)n > rsp_cap)
		return -ENOSPC;
	memcpy(rsp, buf, n);
	return n;
}

/* Send a 7-byte-answer message and check the echoed fields */
static int idekm_ack_xfer(struct spdm_req *q, const uint8_t *req,
			  size_t len, uint8_t ack_id)
{
	uint8_t buf[MODEL_DOE_MAX];
	int n;

	n = spdm_req_vdm(q, PCISIG_PROTO_IDE_KM, req, len, buf, sizeof(buf));
	if (n < 0)
		return n;
	if (n != IDEKM_ACK_LEN || buf[0] != ack_id)
		return -EPROTO;
	if (buf[3] != req[3] || buf[5] != req[5] || buf[6] != req[6])
		return -EPROTO;
	if (ack_id == IDEKM_KP_ACK && buf[4] != IDEKM_KP_SUCCESS)
		return -EPROTO;
	return 0;
}

/**
 * idekm_key_prog() - IDE_KM KEY_PROG of one key
 * @q: requester
 * @port: PortIndex
 * @stream_id: IDE Stream ID
 * @keyset: 0 (K0) or 1 (K1)
 * @dir: %IDEKM_RX or %IDEKM_TX
 * @sub: %IDEKM_SUB_PR, %IDEKM_SUB_NPR or %IDEKM_SUB_CPL
 * @key: 256-bit key
 * @ifv: initial IV invocation field
 *
 * Return: 0; -EPROTO if the KP_ACK status is not Success or the ACK does
 * not match the request; -EINVAL for bad arguments.
 */
int idekm_key_prog(struct spdm_req *q, uint8_t port, uint8_t stream_id,
		   uint8_t keyset, uint8_t dir, uint8_t sub,
		   const uint8_t key[32], const uint8_t ifv[8])
{
	uint8_t req[IDEKM_KEY_PROG_LEN] = { 0 };
	int ret;

	ret = idekm_check_sel(keyset, dir, sub);
	if (ret || !key || !ifv)
		return -EINVAL;
	req[0] = IDEKM_KEY_PROG;
	req[3] = stream_id;
	req[5] = idekm_ks(keyset, dir, sub);
	req[6] = port;
	memcpy(req + 7, key, IDEKM_KEY_LEN);
	memcpy(req + 7 + IDEKM_KEY_LEN, ifv, IDEKM_IFV_LEN);
	ret = idekm_ack_xfer(q, req, sizeof(req), IDEKM_KP_ACK);
	OPENSSL_cleanse(req, sizeof(req));
	return ret;
}

static int idekm_gostop(struct spdm_req *q, uint8_t id, uint8_t port,
			uint8_t stream_id, uint8_t keyset, uint8_t dir,
			uint8_t sub)
{
	uint8_t req[IDEKM_GOSTOP_LEN] = { 0 };

	if (idekm_check_sel(keyset, dir, sub))
		return -EINVAL;
	req[0] = id;
	req[3] = stream_id;
	req[5] = idekm_ks(keyset, dir, sub);
	req[6] = port;
	return idekm_ack_xfer(q, req, sizeof(req), IDEKM_K_GOSTOP_ACK);
}

/**
 * idekm_key_go() - IDE_KM K_SET_GO of one key
 * @q: requester
 * @port: PortIndex
 * @stream_id: IDE Stream ID
 * @keyset: key set
 * @dir: direction
 * @sub: sub-stream
 *
 * Return: 0, -EPROTO for a mismatched K_GOSTOP_ACK, or the transport's
 * error (the model's device does not answer a GO of an unprogrammed key).
 */
int idekm_key_go(struct spdm_req *q, uint8_t port, uint8_t stream_id,
		 uint8_t keyset, uint8_t dir, uint8_t sub)
{
	return idekm_gostop(q, IDEKM_K_SET_GO, port, stream_id, keyset, dir,
			    sub);
}

/**
 * idekm_key_stop() - IDE_KM K_SET_STOP of one key
 * @q: requester
 * @port: PortIndex
 * @stream_id: IDE Stream ID
 * @keyset: key set
 * @dir: direction
 * @sub: sub-stream
 *
 * Return: 0, -EPROTO for a mismatched K_GOSTOP_ACK, or the transport's
 * error.
 */
int idekm_key_stop(struct spdm_req *q, uint8_t port, uint8_t stream_id,
		   uint8_t keyset, uint8_t dir, uint8_t sub)
{
	return idekm_gostop(q, IDEKM_K_SET_STOP, port, stream_id, keyset, dir,
			    sub);
}
