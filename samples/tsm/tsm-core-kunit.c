// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the TSM class and the PCI/TSM core state machine.
 *
 * A mock link TSM and a mock devsec TSM drive the core on the devices of
 * an emulated TEE-IO platform (tsm_emu).  The verbs run through the sysfs
 * show/store methods of the attributes, either called directly or, for the
 * tests that race device removal and TSM unregistration against running
 * stores, through a kernel mount of sysfs so that kernfs drains them.
 *
 * Topology (tsm_emu_default_config()), bus numbers as pre-programmed:
 *   01:00.0 DSM with TEE, DOE, IDE; 01:00.1 TEE function depending on it
 *   02:00.0 single-function DSM;    03:00.0 plain endpoint, no TEE
 */

#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/kthread.h>
#include <linux/mount.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/pci-doe.h>
#include <linux/pci-tsm.h>
#include <linux/pm_runtime.h>
#include <linux/slab.h>
#include <linux/sysfs.h>
#include <linux/tsm.h>

#include "tsm-emu.h"
#include "tsm-kunit.h"
/* drivers/pci/pci.h (see the Makefile): pcie_do_recovery() */
#include "pci.h"

#define CORE_TEST_DOMAIN	0x10100
#define CORE_TEST_TIMEOUT	(10 * HZ)
#define CORE_TEST_LOG_SIZE	256

/**
 * struct mock_tsm - state of a mock TSM
 * @tsm_dev: the registered TSM, %NULL while not registered
 * @decline: probe/lock decline every device (return %NULL)
 * @fail_rc: error returned by connect/lock/accept, 0 to succeed
 * @state_inject: the devsec state op returns @state_rc instead of the
 *		  state the core expects
 * @state_rc: see @state_inject
 * @check_rc: result of the link check after a reset
 * @refresh_rc: result of the IDE key refresh
 * @saw_resetting: the link check found the DSM marked as being reset
 * @gate_pdev: connect of this device waits for @gate
 * @entered: completed when connect of @gate_pdev runs
 * @gate: released by the test
 */
struct mock_tsm {
	struct tsm_dev *tsm_dev;
	bool decline;
	int fail_rc;
	bool state_inject;
	int state_rc;
	int check_rc;
	int refresh_rc;
	bool saw_resetting;
	struct pci_dev *gate_pdev;
	struct completion entered;
	struct completion gate;
};

/**
 * struct core_test - per test state
 * @test: the running test
 * @emu: the emulated platform instance of the test
 * @dsm: 01:00.0
 * @fn1: 01:00.1
 * @dsm2: 02:00.0
 * @plain: 03:00.0
 * @link: mock link TSM
 * @devsec: mock devsec TSM
 * @log_lock: protects @log
 * @log: operations called by the core, in order
 * @rpm_suspends: runtime suspends of the test driver
 * @rpm_resumes: runtime resumes of the test driver
 */
struct core_test {
	struct kunit *test;
	struct tsm_emu *emu;
	struct pci_dev *dsm;
	struct pci_dev *fn1;
	struct pci_dev *dsm2;
	struct pci_dev *plain;
	struct mock_tsm link;
	struct mock_tsm devsec;
	struct mutex log_lock;	/* protects @log */
	char log[CORE_TEST_LOG_SIZE];
	atomic_t rpm_suspends;
	atomic_t rpm_resumes;
};

static struct core_test *cur;
static struct vfsmount *core_test_sysfs;

static void log_op(char op, struct pci_dev *pdev)
{
	size_t len;

	mutex_lock(&cur->log_lock);
	len = strlen(cur->log);
	snprintf(cur->log + len, sizeof(cur->log) - len, "%c%x.%x ", op,
		 pdev->bus->number, PCI_FUNC(pdev->devfn));
	mutex_unlock(&cur->log_lock);
}

static void log_reset(void)
{
	mutex_lock(&cur->log_lock);
	cur->log[0] = '\0';
	mutex_unlock(&cur->log_lock);
}

#define EXPECT_LOG(test, expected)					\
	do {								\
		mutex_lock(&cur->log_lock);				\
		KUNIT_EXPECT_STREQ(test, cur->log, expected);		\
		cur->log[0] = '\0';					\
		mutex_unlock(&cur->log_lock);				\
	} while (0)

/* Only the devices of the test's own instance are managed */
static bool is_test_dev(struct pci_dev *pdev)
{
	struct tsm_emu_fn *fn = tsm_emu_pdev_to_fn(pdev);

	return fn && tsm_emu_fn_emu(fn) == cur->emu;
}

/* Mock link TSM */

static struct pci_tsm *mock_probe(struct tsm_dev *tsm_dev,
				  struct pci_dev *pdev)
{
	int rc;

	if (!is_test_dev(pdev) || cur->link.decline)
		return NULL;

	if (is_pci_tsm_pf0(pdev)) {
		struct pci_tsm_pf0 *pf0 = kzalloc(sizeof(*pf0), GFP_KERNEL);

		if (!pf0)
			return ERR_PTR(-ENOMEM);
		rc = pci_tsm_pf0_constructor(pdev, pf0, tsm_dev);
		if (rc) {
			kfree(pf0);
			return ERR_PTR(rc);
		}
		log_op('P', pdev);
		return &pf0->base_tsm;
	}

	struct pci_tsm *tsm = kzalloc(sizeof(*tsm), GFP_KERNEL);

	if (!tsm)
		return ERR_PTR(-ENOMEM);
	rc = pci_tsm_link_constructor(pdev, tsm, tsm_dev);
	if (rc) {
		kfree(tsm);
		return ERR_PTR(rc);
	}
	log_op('P', pdev);
	return tsm;
}

/* The core frees the evidence it owns before it frees a context */
static void mock_expect_no_evidence(struct pci_tsm *tsm)
{
	int i;

	for (i = 0; i < PCI_TSM_EVIDENCE_MAX; i++)
		KUNIT_EXPECT_NULL_MSG(cur->test, tsm->evidence[i].data,
				      "evidence %d of %s left", i,
				      pci_name(tsm->pdev));
}

static void mock_remove(struct pci_tsm *tsm)
{
	struct pci_tsm_pf0 *pf0 = to_pci_tsm_pf0(tsm);

	mock_expect_no_evidence(tsm);
	log_op('R', tsm->pdev);
	/* the common context is the first member of the DSM context */
	kfree(pf0 ? (void *)pf0 : (void *)tsm);
}

/* SPDM GET_VERSION over the DSM's mailbox, as a backend would */
static int mock_spdm_get_version(struct pci_dev *pdev)
{
	static const u8 req[4] = { 0x10, 0x84, 0x00, 0x00 };
	u8 rsp[16];
	int rc;

	rc = pci_tsm_doe_transfer(pdev, PCI_DOE_FEATURE_CMA, req, sizeof(req),
				  rsp, sizeof(rsp));
	if (rc < 0)
		return rc;
	if (rc < 4 || rsp[0] != 0x10 || rsp[1] != 0x04)
		return -EIO;
	return 0;
}

static int mock_connect(struct pci_dev *pdev)
{
	struct kunit *test = cur->test;
	int rc;

	device_lock_assert(&pdev->dev);
	KUNIT_EXPECT_NOT_NULL(test, to_pci_tsm_pf0(pdev->tsm));
	log_op('C', pdev);

	if (pdev == cur->link.gate_pdev) {
		complete(&cur->link.entered);
		wait_for_completion(&cur->link.gate);
	}

	rc = mock_spdm_get_version(pdev);
	KUNIT_EXPECT_EQ(test, rc, 0);
	if (rc)
		return rc;
	/* A backend may publish evidence before a later step fails */
	if (cur->link.fail_rc)
		pci_tsm_evidence_set(pdev->tsm, PCI_TSM_EVIDENCE_CERTS,
				     kvmemdup("chain", 5, GFP_KERNEL), 5);
	return cur->link.fail_rc;
}

static void mock_disconnect(struct pci_dev *pdev)
{
	KUNIT_EXPECT_NOT_NULL(cur->test, to_pci_tsm_pf0(pdev->tsm));
	log_op('D', pdev);
}

static struct pci_tdi *mock_bind(struct pci_dev *pdev, struct kvm *kvm,
				 u32 tdi_id)
{
	struct pci_tdi *tdi = kzalloc(sizeof(*tdi), GFP_KERNEL);

	if (!tdi)
		return ERR_PTR(-ENOMEM);
	pci_tsm_tdi_constructor(pdev, tdi, kvm, tdi_id);
	log_op('B', pdev);
	return tdi;
}

static void mock_unbind(struct pci_tdi *tdi)
{
	log_op('U', tdi->pdev);
	kfree(tdi);
}

/* The scope of the last guest request the mock TSM saw */
static enum pci_tsm_req_scope mock_scope;

/* Echo the request, the TSM code is the TDI id */
static ssize_t mock_guest_req(struct pci_tdi *tdi, enum pci_tsm_req_scope scope,
			      sockptr_t req, size_t req_len, sockptr_t resp,
			      size_t resp_len, u64 *tsm_code)
{
	u8 buf[16];
	size_t len = min3(req_len, resp_len, sizeof(buf));

	mock_scope = scope;

	if (copy_from_sockptr(buf, req, len) || copy_to_sockptr(resp, buf, len))
		return -EFAULT;
	*tsm_code = tdi->tdi_id;
	log_op('G', tdi->pdev);
	return len;
}

/* TDISP state of a bound interface: the TDI id; start logs */
static int mock_tdi_state(struct pci_tdi *tdi)
{
	log_op('T', tdi->pdev);
	return tdi->tdi_id;
}

static int mock_tdi_start(struct pci_tdi *tdi)
{
	log_op('X', tdi->pdev);
	return cur->link.fail_rc;
}

static int mock_measure_none(struct pci_dev *pdev, const u8 *nonce)
{
	return -EOPNOTSUPP;
}

/* Link check after a reset, logged as H */
static int mock_link_check(struct pci_dev *pdev)
{
	device_lock_assert(&pdev->dev);
	log_op('H', pdev);
	cur->link.saw_resetting = READ_ONCE(pdev->tsm_resetting);
	return cur->link.check_rc;
}

/* IDE key refresh, logged as K */
static int mock_ide_refresh(struct pci_dev *pdev)
{
	device_lock_assert(&pdev->dev);
	KUNIT_EXPECT_NOT_NULL(cur->test, to_pci_tsm_pf0(pdev->tsm));
	log_op('K', pdev);
	return cur->link.refresh_rc;
}

static const struct pci_tsm_ops mock_link_ops = {
	.probe = mock_probe,
	.remove = mock_remove,
	.connect = mock_connect,
	.disconnect = mock_disconnect,
	.bind = mock_bind,
	.unbind = mock_unbind,
	.tdi_start = mock_tdi_start,
	.tdi_state = mock_tdi_state,
	.guest_req = mock_guest_req,
	.link_check = mock_link_check,
	.ide_refresh = mock_ide_refresh,
};

/* Mock devsec TSM */

static struct pci_tsm *mock_lock(struct tsm_dev *tsm_dev, struct pci_dev *pdev)
{
	struct pci_tsm *tsm;
	int rc;

	if (!is_test_dev(pdev) || cur->devsec.decline)
		return NULL;
	if (cur->devsec.fail_rc)
		return ERR_PTR(cur->devsec.fail_rc);

	device_lock_assert(&pdev->dev);
	tsm = kzalloc(sizeof(*tsm), GFP_KERNEL);
	if (!tsm)
		return ERR_PTR(-ENOMEM);
	rc = pci_tsm_devsec_constructor(pdev, tsm, tsm_dev);
	if (rc) {
		kfree(tsm);
		return ERR_PTR(rc);
	}
	log_op('L', pdev);
	return tsm;
}

static void mock_unlock(struct pci_tsm *tsm)
{
	mock_expect_no_evidence(tsm);
	log_op('K', tsm->pdev);
	kfree(tsm);
}

static int mock_accept(struct pci_dev *pdev)
{
	device_lock_assert(&pdev->dev);
	if (cur->devsec.fail_rc)
		return cur->devsec.fail_rc;
	log_op('A', pdev);
	return 0;
}

static const struct pci_tsm_ops mock_devsec_ops = {
	.lock = mock_lock,
	.unlock = mock_unlock,
	.accept = mock_accept,
};

/* A lock that also publishes a report, and a state query */
static const u8 mock_report[] = { 0x01, 0x00, 0x00, 0x00, 0x5a, 0xa5 };

static struct pci_tsm *mock_lock_report(struct tsm_dev *tsm_dev,
					struct pci_dev *pdev)
{
	struct pci_tsm *tsm = mock_lock(tsm_dev, pdev);
	void *report;

	if (IS_ERR_OR_NULL(tsm))
		return tsm;
	report = kvmemdup(mock_report, sizeof(mock_report), GFP_KERNEL);
	if (!report) {
		mock_unlock(tsm);
		return ERR_PTR(-ENOMEM);
	}
	pci_tsm_evidence_set(tsm, PCI_TSM_EVIDENCE_REPORT, report,
			     sizeof(mock_report));
	return tsm;
}

static int mock_state(struct pci_dev *pdev)
{
	device_lock_assert(&pdev->dev);
	log_op('S', pdev);
	if (cur->devsec.state_inject)
		return cur->devsec.state_rc;
	return READ_ONCE(pdev->tsm)->state;
}

static const struct pci_tsm_ops mock_devsec_state_ops = {
	.lock = mock_lock_report,
	.unlock = mock_unlock,
	.accept = mock_accept,
	.state = mock_state,
};

static void mock_register(struct kunit *test, struct mock_tsm *mock,
			  const struct pci_tsm_ops *ops)
{
	struct tsm_dev *tsm_dev = tsm_register(NULL, ops);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, tsm_dev);
	mock->tsm_dev = tsm_dev;
}

static void mock_unregister(struct mock_tsm *mock)
{
	if (!mock->tsm_dev)
		return;
	tsm_unregister(mock->tsm_dev);
	mock->tsm_dev = NULL;
}

/* Attribute access through the PCI device's sysfs groups */

static struct device_attribute *find_attr(struct pci_dev *pdev,
					  const char *name,
					  const struct attribute_group **grp,
					  int *index)
{
	const struct attribute_group **groups = pdev->dev.type->groups;
	int i, j;

	for (i = 0; groups && groups[i]; i++) {
		for (j = 0; groups[i]->attrs && groups[i]->attrs[j]; j++) {
			struct attribute *a = groups[i]->attrs[j];

			if (strcmp(a->name, name))
				continue;
			if (grp)
				*grp = groups[i];
			if (index)
				*index = j;
			return container_of(a, struct device_attribute, attr);
		}
	}
	return NULL;
}

/**
 * tsm_kunit_store() - call the store method of a PCI device attribute
 * @test: the running test; fails if there is no such attribute
 * @pdev: device
 * @name: attribute name, as in the device's sysfs groups
 * @val: string to store
 *
 * Return: what the store method returned.
 */
ssize_t tsm_kunit_store(struct kunit *test, struct pci_dev *pdev,
			const char *name, const char *val)
{
	struct device_attribute *a = find_attr(pdev, name, NULL, NULL);

	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_ASSERT_NOT_NULL(test, a->store);
	return a->store(&pdev->dev, a, val, strlen(val));
}

/**
 * tsm_kunit_show_rc() - return value of a PCI device attribute's show
 *	method, for the ones expected to fail
 * @test: the running test; fails if there is no such attribute
 * @pdev: device
 * @name: attribute name
 *
 * Return: what the show method returned.
 */
ssize_t tsm_kunit_show_rc(struct kunit *test, struct pci_dev *pdev,
			  const char *name)
{
	struct device_attribute *a = find_attr(pdev, name, NULL, NULL);
	char *buf = kunit_kzalloc(test, PAGE_SIZE, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, buf);
	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_ASSERT_NOT_NULL(test, a->show);
	return a->show(&pdev->dev, a, buf);
}

/**
 * tsm_kunit_show() - read a PCI device attribute through its show method
 * @test: the running test; fails if there is no such attribute or the
 *	  show method fails
 * @pdev: device
 * @name: attribute name
 *
 * Return: the text shown, freed with the test.
 */
const char *tsm_kunit_show(struct kunit *test, struct pci_dev *pdev,
			   const char *name)
{
	struct device_attribute *a = find_attr(pdev, name, NULL, NULL);
	char *buf = kunit_kzalloc(test, PAGE_SIZE, GFP_KERNEL);
	ssize_t rc;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_ASSERT_NOT_NULL(test, a->show);
	rc = a->show(&pdev->dev, a, buf);
	KUNIT_ASSERT_GE(test, rc, 0);
	return buf;
}

/* Mode the group's is_visible() gives an attribute, 0 if hidden */
static umode_t attr_mode(struct kunit *test, struct pci_dev *pdev,
			 const char *name)
{
	const struct attribute_group *grp;
	struct device_attribute *a;
	umode_t mode;
	int index;

	a = find_attr(pdev, name, &grp, &index);
	KUNIT_ASSERT_NOT_NULL(test, a);
	if (!grp->is_visible)
		return a->attr.mode;
	if (grp->name) {
		mode = grp->is_visible(&pdev->dev.kobj, grp->attrs[0], 0);
		if (mode & SYSFS_GROUP_INVISIBLE)
			return 0;
	}
	return grp->is_visible(&pdev->dev.kobj, &a->attr, index);
}

/* Is there a sysfs entry @name (may contain one '/') below @pdev */
static bool sysfs_has(struct pci_dev *pdev, const char *name)
{
	struct kernfs_node *kn;
	const char *slash = strchr(name, '/');

	if (slash) {
		char dir[16];
		struct kernfs_node *parent;

		strscpy(dir, name, min_t(size_t, sizeof(dir), slash - name + 1));
		parent = sysfs_get_dirent(pdev->dev.kobj.sd, dir);
		if (!parent)
			return false;
		kn = sysfs_get_dirent(parent, slash + 1);
		kernfs_put(parent);
	} else {
		kn = sysfs_get_dirent(pdev->dev.kobj.sd, name);
	}
	kernfs_put(kn);
	return kn;
}

static __printf(2, 3) const char *kunit_str(struct kunit *test,
					    const char *fmt, ...)
{
	char *buf = kunit_kzalloc(test, 128, GFP_KERNEL);
	va_list args;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	va_start(args, fmt);
	vsnprintf(buf, 128, fmt, args);
	va_end(args);
	return buf;
}

static const char *tsm_line(struct kunit *test, struct mock_tsm *mock)
{
	return kunit_str(test, "%s\n", tsm_name(mock->tsm_dev));
}

/*
 * A tiny PCI driver, bound on demand with driver_override.  It supports
 * runtime PM (the PCI core puts the function in D3hot once its callback
 * returned), which stays forbidden until a test allows it.
 */

static int core_test_drv_probe(struct pci_dev *pdev,
			       const struct pci_device_id *id)
{
	pm_runtime_put_noidle(&pdev->dev);
	return 0;
}

static void core_test_drv_remove(struct pci_dev *pdev)
{
	pm_runtime_get_noresume(&pdev->dev);
}

static int core_test_rpm_suspend(struct device *dev)
{
	if (cur)
		atomic_inc(&cur->rpm_suspends);
	return 0;
}

static int core_test_rpm_resume(struct device *dev)
{
	if (cur)
		atomic_inc(&cur->rpm_resumes);
	return 0;
}

static const struct dev_pm_ops core_test_pm = {
	RUNTIME_PM_OPS(core_test_rpm_suspend, core_test_rpm_resume, NULL)
};

static struct pci_driver core_test_driver = {
	.name = "tsm_core_kunit",
	.probe = core_test_drv_probe,
	.remove = core_test_drv_remove,
	.driver.pm = &core_test_pm,
};

static void drv_bind(struct kunit *test, struct pci_dev *pdev)
{
	const char *name = core_test_driver.name;

	KUNIT_ASSERT_EQ(test, device_set_driver_override(&pdev->dev, name), 0);
	KUNIT_ASSERT_EQ(test, device_attach(&pdev->dev), 1);
	KUNIT_ASSERT_PTR_EQ(test, pdev->dev.driver,
			    &core_test_driver.driver);
}

static void drv_unbind(struct kunit *test, struct pci_dev *pdev)
{
	device_release_driver(&pdev->dev);
	KUNIT_EXPECT_EQ(test, device_set_driver_override(&pdev->dev, ""), 0);
}

/* Threads for the tests of concurrent operations */

/**
 * struct test_thread - one operation run by a kernel thread
 * @fn: the operation
 * @pdev: its device
 * @file: sysfs file to write, or %NULL
 * @val: value to write
 * @rc: result
 * @done: completed when @fn returned
 * @task: the thread, referenced until test_thread_put()
 */
struct test_thread {
	void (*fn)(struct test_thread *t);
	struct pci_dev *pdev;
	struct file *file;
	const char *val;
	ssize_t rc;
	struct completion done;
	struct task_struct *task;
};

static int test_thread_fn(void *data)
{
	struct test_thread *t = data;

	/* kernel threads ignore signals unless they allow them */
	allow_signal(SIGINT);
	t->fn(t);
	complete(&t->done);
	return 0;
}

static void test_thread_start(struct kunit *test, struct test_thread *t,
			      void (*fn)(struct test_thread *t))
{
	t->fn = fn;
	init_completion(&t->done);
	t->task = kthread_create(test_thread_fn, t, "tsm-core-kunit");
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, t->task);
	get_task_struct(t->task);
	wake_up_process(t->task);
}

static void test_thread_put(struct test_thread *t)
{
	if (t->task)
		put_task_struct(t->task);
	t->task = NULL;
}

static bool test_thread_wait(struct test_thread *t)
{
	bool done = wait_for_completion_timeout(&t->done, CORE_TEST_TIMEOUT);

	if (done)
		test_thread_put(t);
	return done;
}

static void thread_write(struct test_thread *t)
{
	loff_t pos = 0;

	t->rc = kernel_write(t->file, t->val, strlen(t->val), &pos);
}

static void thread_remove(struct test_thread *t)
{
	pci_stop_and_remove_bus_device_locked(t->pdev);
}

static void thread_unregister_link(struct test_thread *t)
{
	mock_unregister(&cur->link);
}

static void thread_connect_store(struct test_thread *t)
{
	struct device_attribute *a = find_attr(t->pdev, "connect", NULL, NULL);

	t->rc = a->store(&t->pdev->dev, a, t->val, strlen(t->val));
}

static struct file *sysfs_open(struct kunit *test, struct pci_dev *pdev,
			       const char *attr)
{
	const char *path = kunit_str(test, "bus/pci/devices/%s/%s",
				     pci_name(pdev), attr);
	struct file *file;

	KUNIT_ASSERT_NOT_NULL(test, path);
	file = file_open_root_mnt(core_test_sysfs, path, O_WRONLY, 0);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, file);
	return file;
}

/* Test cases */

static void bad_ops(struct kunit *test, const struct pci_tsm_ops *ops)
{
	KUNIT_EXPECT_PTR_EQ(test, tsm_register(NULL, ops), ERR_PTR(-EINVAL));
}

static void tsm_class_register(struct kunit *test)
{
	struct pci_tsm_ops ops;
	struct device_attribute *mode_attr;
	struct tsm_dev *found;
	char *buf;

	/* exactly one role */
	bad_ops(test, NULL);
	ops = (struct pci_tsm_ops) {};
	bad_ops(test, &ops);
	ops = mock_link_ops;
	ops.lock = mock_lock;
	bad_ops(test, &ops);
	ops = mock_link_ops;
	ops.remove = NULL;
	bad_ops(test, &ops);
	ops = mock_link_ops;
	ops.unbind = NULL;
	bad_ops(test, &ops);
	ops = (struct pci_tsm_ops) {
		.probe = mock_probe, .remove = mock_remove,
		.connect = mock_connect, .disconnect = mock_disconnect,
		.guest_req = mock_guest_req,
	};
	bad_ops(test, &ops);
	ops = mock_devsec_ops;
	ops.accept = NULL;
	bad_ops(test, &ops);
	ops = (struct pci_tsm_ops) { .state = mock_state };
	bad_ops(test, &ops);
	ops = mock_devsec_state_ops;
	ops.measure = mock_measure_none;
	bad_ops(test, &ops);
	ops = (struct pci_tsm_ops) {
		.probe = mock_probe, .remove = mock_remove,
		.connect = mock_connect, .disconnect = mock_disconnect,
		.tdi_state = mock_tdi_state,
	};
	bad_ops(test, &ops);
	/* any operation of the link group makes a devsec TSM invalid */
	ops = mock_devsec_ops;
	ops.ide_refresh = mock_ide_refresh;
	bad_ops(test, &ops);

	/* mainline's way of filling in the groups */
	ops = (struct pci_tsm_ops) {
		.link_ops = {
			.probe = mock_probe, .remove = mock_remove,
			.connect = mock_connect, .disconnect = mock_disconnect,
		},
	};
	found = tsm_register(NULL, &ops);
	KUNIT_EXPECT_NOT_ERR_OR_NULL(test, found);
	if (!IS_ERR_OR_NULL(found)) {
		KUNIT_EXPECT_TRUE(test, is_link_tsm(found));
		tsm_unregister(found);
	}
	ops = (struct pci_tsm_ops) {
		.devsec_ops = {
			.lock = mock_lock, .unlock = mock_unlock,
			.accept = mock_accept,
		},
	};
	found = tsm_register(NULL, &ops);
	KUNIT_EXPECT_NOT_ERR_OR_NULL(test, found);
	if (!IS_ERR_OR_NULL(found)) {
		KUNIT_EXPECT_TRUE(test, is_devsec_tsm(found));
		tsm_unregister(found);
	}

	mock_register(test, &cur->link, &mock_link_ops);
	mock_register(test, &cur->devsec, &mock_devsec_ops);

	KUNIT_EXPECT_STREQ(test, tsm_name(cur->link.tsm_dev),
			   kunit_str(test, "tsm%d", cur->link.tsm_dev->id));
	KUNIT_EXPECT_NE(test, cur->link.tsm_dev->id, cur->devsec.tsm_dev->id);
	KUNIT_EXPECT_TRUE(test, is_link_tsm(cur->link.tsm_dev));
	KUNIT_EXPECT_FALSE(test, is_devsec_tsm(cur->link.tsm_dev));
	KUNIT_EXPECT_TRUE(test, is_devsec_tsm(cur->devsec.tsm_dev));

	/* /sys/class/tsm/tsmN/pci_mode */
	buf = kunit_kzalloc(test, PAGE_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	KUNIT_ASSERT_NOT_NULL(test, cur->link.tsm_dev->dev.class);
	mode_attr = container_of(cur->link.tsm_dev->dev.class->dev_groups[0]->attrs[0],
				 struct device_attribute, attr);
	KUNIT_EXPECT_STREQ(test, mode_attr->attr.name, "pci_mode");
	KUNIT_EXPECT_EQ(test, mode_attr->attr.mode, 0444);
	mode_attr->show(&cur->link.tsm_dev->dev, mode_attr, buf);
	KUNIT_EXPECT_STREQ(test, buf, "link\n");
	mode_attr->show(&cur->devsec.tsm_dev->dev, mode_attr, buf);
	KUNIT_EXPECT_STREQ(test, buf, "devsec\n");

	/* lookup by number, with a reference */
	found = find_tsm_dev(cur->link.tsm_dev->id);
	KUNIT_EXPECT_PTR_EQ(test, found, cur->link.tsm_dev);
	if (found)
		tsm_dev_put(found);
	KUNIT_EXPECT_NULL(test, find_tsm_dev(-1));
	KUNIT_EXPECT_NULL(test, find_tsm_dev(INT_MAX));

	/* a reference keeps the structure, not the registration */
	found = find_tsm_dev(cur->devsec.tsm_dev->id);
	KUNIT_ASSERT_NOT_NULL(test, found);
	mock_unregister(&cur->devsec);
	KUNIT_EXPECT_STREQ(test, tsm_kunit_show(test, cur->dsm, "lock"), "\n");
	KUNIT_EXPECT_EQ(test, tsm_kunit_store(test, cur->dsm, "lock",
					      tsm_name(found)), -ENXIO);
	tsm_dev_put(found);
}

static void tsm_visibility(struct kunit *test)
{
	/* no TSM: no verbs anywhere */
	KUNIT_EXPECT_EQ(test, attr_mode(test, cur->dsm, "connect"), 0);
	KUNIT_EXPECT_EQ(test, attr_mode(test, cur->dsm, "lock"), 0);
	KUNIT_EXPECT_EQ(test, attr_mode(test, cur->dsm, "authenticated"), 0);
	KUNIT_EXPECT_FALSE(test, sysfs_has(cur->dsm, "tsm"));
	KUNIT_EXPECT_FALSE(test, sysfs_has(cur->dsm, "authenticated"));

	/* link TSM: DSMs get the link verbs, TEE dependents dsm/bound */
	mock_register(test, &cur->link, &mock_link_ops);
	KUNIT_EXPECT_EQ(test, attr_mode(test, cur->dsm, "connect"), 0644);
	KUNIT_EXPECT_EQ(test, attr_mode(test, cur->dsm, "disconnect"), 0200);
	KUNIT_EXPECT_EQ(test, attr_mode(test, cur->dsm, "dsm"), 0444);
	KUNIT_EXPECT_EQ(test, attr_mode(test, cur->dsm, "bound"), 0444);
	KUNIT_EXPECT_EQ(test, attr_mode(test, cur->dsm, "authenticated"), 0444);
	KUNIT_EXPECT_EQ(test, attr_mode(test, cur->dsm, "lock"), 0);
	KUNIT_EXPECT_EQ(test, attr_mode(test, cur->dsm2, "connect"), 0644);
	KUNIT_EXPECT_EQ(test, attr_mode(test, cur->fn1, "connect"), 0);
	KUNIT_EXPECT_EQ(test, attr_mode(test, cur->fn1, "disconnect"), 0);
	KUNIT_EXPECT_EQ(test, attr_mode(test, cur->fn1, "authenticated"), 0);
	KUNIT_EXPECT_EQ(test, attr_mode(test, cur->fn1, "dsm"), 0444);
	KUNIT_EXPECT_EQ(test, attr_mode(test, cur->fn1, "bound"), 0444);
	KUNIT_EXPECT_EQ(test, attr_mode(test, cur->plain, "connect"), 0);
	KUNIT_EXPECT_EQ(test, attr_mode(test, cur->plain, "dsm"), 0);
	KUNIT_EXPECT_EQ(test, attr_mode(test, cur->plain, "authenticated"), 0);
	KUNIT_EXPECT_TRUE(test, sysfs_has(cur->dsm, "tsm/connect"));
	KUNIT_EXPECT_TRUE(test, sysfs_has(cur->dsm, "tsm/disconnect"));
	KUNIT_EXPECT_TRUE(test, sysfs_has(cur->dsm, "authenticated"));
	KUNIT_EXPECT_FALSE(test, sysfs_has(cur->dsm, "tsm/lock"));
	KUNIT_EXPECT_TRUE(test, sysfs_has(cur->fn1, "tsm/dsm"));
	KUNIT_EXPECT_FALSE(test, sysfs_has(cur->fn1, "tsm/connect"));
	KUNIT_EXPECT_FALSE(test, sysfs_has(cur->plain, "tsm"));
	KUNIT_EXPECT_FALSE(test, sysfs_has(cur->plain, "authenticated"));
	KUNIT_EXPECT_FALSE(test, sysfs_has(pcie_find_root_port(cur->dsm),
					   "tsm"));

	/* both roles */
	mock_register(test, &cur->devsec, &mock_devsec_ops);
	KUNIT_EXPECT_EQ(test, attr_mode(test, cur->dsm, "lock"), 0644);
	KUNIT_EXPECT_EQ(test, attr_mode(test, cur->dsm, "unlock"), 0200);
	KUNIT_EXPECT_EQ(test, attr_mode(test, cur->dsm, "accept"), 0644);
	KUNIT_EXPECT_TRUE(test, sysfs_has(cur->dsm, "tsm/lock"));
	KUNIT_EXPECT_TRUE(test, sysfs_has(cur->dsm, "tsm/connect"));
	KUNIT_EXPECT_TRUE(test, sysfs_has(cur->fn1, "tsm/accept"));
	KUNIT_EXPECT_FALSE(test, sysfs_has(cur->plain, "tsm"));

	/* devsec TSM only: TEE functions get the devsec verbs */
	mock_unregister(&cur->link);
	KUNIT_EXPECT_EQ(test, attr_mode(test, cur->dsm, "connect"), 0);
	KUNIT_EXPECT_EQ(test, attr_mode(test, cur->dsm, "authenticated"), 0);
	KUNIT_EXPECT_EQ(test, attr_mode(test, cur->fn1, "dsm"), 0);
	KUNIT_EXPECT_EQ(test, attr_mode(test, cur->fn1, "lock"), 0644);
	KUNIT_EXPECT_EQ(test, attr_mode(test, cur->plain, "lock"), 0);
	KUNIT_EXPECT_FALSE(test, sysfs_has(cur->dsm, "tsm/connect"));
	KUNIT_EXPECT_FALSE(test, sysfs_has(cur->dsm, "authenticated"));
	KUNIT_EXPECT_TRUE(test, sysfs_has(cur->dsm, "tsm/lock"));
	KUNIT_EXPECT_TRUE(test, sysfs_has(cur->fn1, "tsm/unlock"));
	KUNIT_EXPECT_FALSE(test, sysfs_has(cur->plain, "tsm"));

	mock_unregister(&cur->devsec);
	KUNIT_EXPECT_FALSE(test, sysfs_has(cur->dsm, "tsm"));
	KUNIT_EXPECT_FALSE(test, sysfs_has(cur->fn1, "tsm"));
}

static void tsm_connect(struct kunit *test)
{
	const char *name, *dsm_line;

	mock_register(test, &cur->link, &mock_link_ops);
	name = tsm_line(test, &cur->link);
	dsm_line = kunit_str(test, "%s\n", pci_name(cur->dsm));

	KUNIT_EXPECT_STREQ(test, tsm_kunit_show(test, cur->dsm, "connect"), "\n");
	KUNIT_EXPECT_STREQ(test, tsm_kunit_show(test, cur->dsm, "dsm"), "\n");
	KUNIT_EXPECT_EQ(test, tsm_kunit_store(test, cur->dsm, "connect", name),
			(ssize_t)strlen(name));
	EXPECT_LOG(test, "P1.0 C1.0 P1.1 ");
	KUNIT_EXPECT_STREQ(test, tsm_kunit_show(test, cur->dsm, "connect"), name);
	KUNIT_EXPECT_STREQ(test, tsm_kunit_show(test, cur->dsm, "authenticated"),
			   name);
	KUNIT_EXPECT_STREQ(test, tsm_kunit_show(test, cur->dsm, "dsm"), dsm_line);
	KUNIT_EXPECT_STREQ(test, tsm_kunit_show(test, cur->fn1, "dsm"), dsm_line);
	KUNIT_EXPECT_STREQ(test, tsm_kunit_show(test, cur->dsm, "bound"), "\n");
	KUNIT_EXPECT_STREQ(test, tsm_kunit_show(test, cur->dsm2, "connect"), "\n");

	/* already connected: also by the same name without newline */
	KUNIT_EXPECT_EQ(test, tsm_kunit_store(test, cur->dsm, "connect", name),
			-EBUSY);
	KUNIT_EXPECT_EQ(test, tsm_kunit_store(test, cur->dsm, "connect",
					      tsm_name(cur->link.tsm_dev)), -EBUSY);

	/* disconnect needs the exact name */
	KUNIT_EXPECT_EQ(test, tsm_kunit_store(test, cur->dsm, "disconnect",
					      "tsm9999"), -EINVAL);
	KUNIT_EXPECT_EQ(test, tsm_kunit_store(test, cur->dsm, "disconnect", ""),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, tsm_kunit_store(test, cur->dsm, "disconnect",
					      "tsm"), -EINVAL);
	KUNIT_EXPECT_EQ(test, tsm_kunit_store(test, cur->dsm, "disconnect",
					      tsm_name(cur->link.tsm_dev)),
			(ssize_t)strlen(tsm_name(cur->link.tsm_dev)));
	EXPECT_LOG(test, "R1.1 D1.0 R1.0 ");
	KUNIT_EXPECT_STREQ(test, tsm_kunit_show(test, cur->dsm, "connect"), "\n");
	KUNIT_EXPECT_STREQ(test, tsm_kunit_show(test, cur->dsm, "authenticated"),
			   "\n");
	KUNIT_EXPECT_STREQ(test, tsm_kunit_show(test, cur->fn1, "dsm"), "\n");

	/* not connected */
	KUNIT_EXPECT_EQ(test, tsm_kunit_store(test, cur->dsm, "disconnect", name),
			-ENXIO);

	/* again, two DSMs */
	KUNIT_EXPECT_EQ(test, tsm_kunit_store(test, cur->dsm, "connect", name),
			(ssize_t)strlen(name));
	KUNIT_EXPECT_EQ(test, tsm_kunit_store(test, cur->dsm2, "connect", name),
			(ssize_t)strlen(name));
	EXPECT_LOG(test, "P1.0 C1.0 P1.1 P2.0 C2.0 ");
	KUNIT_EXPECT_EQ(test, tsm_kunit_store(test, cur->dsm2, "disconnect", name),
			(ssize_t)strlen(name));
	EXPECT_LOG(test, "D2.0 R2.0 ");
	KUNIT_EXPECT_STREQ(test, tsm_kunit_show(test, cur->dsm, "connect"), name);
	KUNIT_EXPECT_EQ(test, tsm_kunit_store(test, cur->dsm, "disconnect", name),
			(ssize_t)strlen(name));
	EXPECT_LOG(test, "R1.1 D1.0 R1.0 ");
}

static void tsm_connect_refused(struct kunit *test)
{
	static const char * const bad[] = {
		"", "\n", "tsm", "tsm\n", "foo", "tsm-1", "tsm+1", "tsm 1",
		" tsm1", "tsm01", "tsm1x", "tsm1\n\n", "TSM1", "tsm0x1",
		"tsm99999999999999999999",
	};
	const char *name, *devsec_name;
	int i;

	mock_register(test, &cur->link, &mock_link_ops);
	mock_register(test, &cur->devsec, &mock_devsec_ops);
	name = tsm_name(cur->link.tsm_dev);
	devsec_name = tsm_name(cur->devsec.tsm_dev);

	for (i = 0; i < ARRAY_SIZE(bad); i++)
		KUNIT_EXPECT_EQ_MSG(test, tsm_kunit_store(test, cur->dsm, "connect",
							  bad[i]), -EINVAL,
				    "value \"%s\"", bad[i]);

	/* no such TSM, or not a link TSM */
	KUNIT_EXPECT_EQ(test, tsm_kunit_store(test, cur->dsm, "connect", "tsm9999"),
			-ENXIO);
	KUNIT_EXPECT_EQ(test, tsm_kunit_store(test, cur->dsm, "connect",
					      devsec_name), -ENXIO);

	/* not a DSM (the attribute is hidden, the store refuses anyway) */
	KUNIT_EXPECT_EQ(test, tsm_kunit_store(test, cur->plain, "connect", name),
			-ENXIO);
	KUNIT_EXPECT_EQ(test, tsm_kunit_store(test, cur->fn1, "connect", name),
			-ENXIO);

	/* probe declined */
	cur->link.decline = true;
	KUNIT_EXPECT_EQ(test, tsm_kunit_store(test, cur->dsm, "connect", name),
			-ENXIO);
	cur->link.decline = false;
	EXPECT_LOG(test, "");

	/* the TSM fails: the context is removed again */
	cur->link.fail_rc = -EIO;
	KUNIT_EXPECT_EQ(test, tsm_kunit_store(test, cur->dsm, "connect", name),
			-EIO);
	cur->link.fail_rc = 0;
	EXPECT_LOG(test, "P1.0 C1.0 R1.0 ");
	KUNIT_EXPECT_STREQ(test, tsm_kunit_show(test, cur->dsm, "connect"), "\n");
	KUNIT_EXPECT_NULL(test, READ_ONCE(cur->dsm->tsm));

	/* locked: cannot be connected; connected: cannot be locked */
	KUNIT_EXPECT_EQ(test, tsm_kunit_store(test, cur->dsm2, "lock", devsec_name),
			(ssize_t)strlen(devsec_name));
	KUNIT_EXPECT_EQ(test, tsm_kunit_store(test, cur->dsm2, "connect", name),
			-EBUSY);
	KUNIT_EXPECT_EQ(test, tsm_kunit_store(test, cur->dsm2, "disconnect", name),
			-ENXIO);
	KUNIT_EXPECT_EQ(test, tsm_kunit_store(test, cur->dsm2, "disconnect",
					      devsec_name), -ENXIO);
	KUNIT_EXPECT_STREQ(test, tsm_kunit_show(test, cur->dsm2, "connect"), "\n");
	KUNIT_EXPECT_EQ(test, tsm_kunit_store(test, cur->dsm, "connect", name),
			(ssize_t)strlen(name));
	KUNIT_EXPECT_EQ(test, tsm_kunit_store(test, cur->dsm, "lock", devsec_name),
			-EBUSY);
	KUNIT_EXPECT_EQ(test, tsm_kunit_store(test, cur->fn1, "lock", devsec_name),
			-EBUSY);
	KUNIT_EXPECT_EQ(test, tsm_kunit_store(test, cur->dsm, "unlock", devsec_name),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, tsm_kunit_store(test, cur->dsm, "accept", "1"),
			-EINVAL);
	EXPECT_LOG(test, "L2.0 P1.0 C1.0 P1.1 ");
}

static void tsm_bind(struct kunit *test)
{
	struct kvm *kvm = kunit_kzalloc(test, 16, GFP_KERNEL);
	const char *name;
	u8 req[4] = { 1, 2, 3, 4 }, resp[8] = {};
	u64 code = 0;

	mock_register(test, &cur->link, &mock_link_ops);
	name = tsm_line(test, &cur->link);

	/* not connected */
	KUNIT_EXPECT_EQ(test, pci_tsm_bind(cur->dsm, kvm, 1), -ENXIO);
	KUNIT_EXPECT_EQ(test, pci_tsm_bind(cur->fn1, kvm, 1), -ENXIO);
	KUNIT_EXPECT_EQ(test, pci_tsm_bind(cur->plain, kvm, 1), -ENXIO);
	KUNIT_EXPECT_EQ(test, pci_tsm_guest_req(cur->dsm, PCI_TSM_REQ_INFO,
						KERNEL_SOCKPTR(req), sizeof(req),
						KERNEL_SOCKPTR(resp),
						sizeof(resp), &code), -ENXIO);

	KUNIT_ASSERT_EQ(test, tsm_kunit_store(test, cur->dsm, "connect", name),
			(ssize_t)strlen(name));
	log_reset();

	KUNIT_EXPECT_EQ(test, pci_tsm_bind(cur->dsm, NULL, 1), -EINVAL);
	KUNIT_EXPECT_EQ(test, pci_tsm_guest_req(cur->dsm, PCI_TSM_REQ_INFO,
						KERNEL_SOCKPTR(req), sizeof(req),
						KERNEL_SOCKPTR(resp),
						sizeof(resp), &code), -ENXIO);
	KUNIT_EXPECT_EQ(test, pci_tsm_bind(cur->dsm, kvm, 0x100), 0);
	KUNIT_EXPECT_STREQ(test, tsm_kunit_show(test, cur->dsm, "bound"), name);
	KUNIT_EXPECT_EQ(test, pci_tsm_bind(cur->dsm, kvm, 0x100), -EBUSY);
	KUNIT_EXPECT_EQ(test, pci_tsm_bind(cur->fn1, kvm, 0x101), 0);
	KUNIT_EXPECT_STREQ(test, tsm_kunit_show(test, cur->fn1, "bound"), name);
	KUNIT_EXPECT_EQ(test, pci_tsm_bind(cur->dsm2, kvm, 0x200), -ENXIO);

	KUNIT_EXPECT_EQ(test, pci_tsm_guest_req(cur->fn1, PCI_TSM_REQ_INFO,
						KERNEL_SOCKPTR(req),
						sizeof(req),
						KERNEL_SOCKPTR(resp),
						sizeof(resp), &code),
			(ssize_t)sizeof(req));
	KUNIT_EXPECT_MEMEQ(test, resp, req, sizeof(req));
	KUNIT_EXPECT_EQ(test, code, 0x101);
	KUNIT_EXPECT_EQ(test, mock_scope, PCI_TSM_REQ_INFO);
	KUNIT_EXPECT_EQ(test, pci_tsm_guest_req(cur->fn1, PCI_TSM_REQ_STATE_CHANGE,
						KERNEL_SOCKPTR(req),
						sizeof(req),
						KERNEL_SOCKPTR(resp),
						sizeof(resp), &code),
			(ssize_t)sizeof(req));
	KUNIT_EXPECT_EQ(test, mock_scope, PCI_TSM_REQ_STATE_CHANGE);
	/* As mainline: nothing outside TDISP operation reaches the TSM */
	KUNIT_EXPECT_EQ(test, pci_tsm_guest_req(cur->fn1, PCI_TSM_REQ_DEBUG_READ,
						KERNEL_SOCKPTR(req),
						sizeof(req),
						KERNEL_SOCKPTR(resp),
						sizeof(resp), &code), -EINVAL);
	KUNIT_EXPECT_EQ(test, pci_tsm_guest_req(cur->fn1, PCI_TSM_REQ_DEBUG_WRITE,
						KERNEL_SOCKPTR(req),
						sizeof(req),
						KERNEL_SOCKPTR(resp),
						sizeof(resp), &code), -EINVAL);
	KUNIT_EXPECT_EQ(test, pci_tsm_guest_req(cur->fn1, 4, KERNEL_SOCKPTR(req),
						sizeof(req),
						KERNEL_SOCKPTR(resp),
						sizeof(resp), &code), -EINVAL);

	/* start and state of a bound interface, for its VM */
	KUNIT_EXPECT_EQ(test, pci_tsm_tdi_state(cur->fn1), 0x101);
	KUNIT_EXPECT_EQ(test, pci_tsm_tdi_start(cur->fn1), 0);
	cur->link.fail_rc = -EPROTO;
	KUNIT_EXPECT_EQ(test, pci_tsm_tdi_start(cur->fn1), -EPROTO);
	cur->link.fail_rc = 0;
	KUNIT_EXPECT_EQ(test, pci_tsm_tdi_start(cur->dsm2), -ENXIO);
	KUNIT_EXPECT_EQ(test, pci_tsm_tdi_state(cur->plain), -ENXIO);

	pci_tsm_unbind(cur->fn1);
	KUNIT_EXPECT_STREQ(test, tsm_kunit_show(test, cur->fn1, "bound"), "\n");
	KUNIT_EXPECT_EQ(test, pci_tsm_guest_req(cur->fn1, PCI_TSM_REQ_INFO,
						KERNEL_SOCKPTR(req), sizeof(req),
						KERNEL_SOCKPTR(resp),
						sizeof(resp), &code), -ENXIO);
	/* unbinding what is not bound does nothing */
	pci_tsm_unbind(cur->fn1);
	pci_tsm_unbind(cur->plain);
	KUNIT_EXPECT_EQ(test, pci_tsm_tdi_state(cur->fn1), -ENXIO);
	EXPECT_LOG(test, "B1.0 B1.1 G1.1 G1.1 T1.1 X1.1 X1.1 U1.1 ");

	/* disconnect unbinds first */
	KUNIT_EXPECT_EQ(test, pci_tsm_bind(cur->fn1, kvm, 0x101), 0);
	KUNIT_EXPECT_EQ(test, tsm_kunit_store(test, cur->dsm, "disconnect", name),
			(ssize_t)strlen(name));
	EXPECT_LOG(test, "B1.1 U1.1 R1.1 U1.0 D1.0 R1.0 ");
	KUNIT_EXPECT_STREQ(test, tsm_kunit_show(test, cur->dsm, "bound"), "\n");
}

static void tsm_bind_unsupported(struct kunit *test)
{
	struct pci_tsm_ops ops = mock_link_ops;
	struct kvm *kvm = kunit_kzalloc(test, 16, GFP_KERNEL);
	u8 req[4] = {}, resp[4];
	u64 code;

	ops.bind = NULL;
	ops.unbind = NULL;
	ops.tdi_start = NULL;
	ops.tdi_state = NULL;
	ops.guest_req = NULL;
	mock_register(test, &cur->link, &ops);
	KUNIT_ASSERT_EQ(test, tsm_kunit_store(test, cur->dsm, "connect",
					      tsm_name(cur->link.tsm_dev)),
			(ssize_t)strlen(tsm_name(cur->link.tsm_dev)));
	KUNIT_EXPECT_EQ(test, pci_tsm_bind(cur->dsm, kvm, 1), -EOPNOTSUPP);
	KUNIT_EXPECT_EQ(test, pci_tsm_guest_req(cur->dsm, PCI_TSM_REQ_INFO,
						KERNEL_SOCKPTR(req), sizeof(req),
						KERNEL_SOCKPTR(resp),
						sizeof(resp), &code), -ENXIO);
	mock_unregister(&cur->link);
	EXPECT_LOG(test, "P1.0 C1.0 P1.1 R1.1 D1.0 R1.0 ");
}

static void tsm_devsec(struct kunit *test)
{
	const char *name, *link_name;

	mock_register(test, &cur->devsec, &mock_devsec_ops);
	mock_register(test, &cur->link, &mock_link_ops);
	name = tsm_line(test, &cur->devsec);
	link_name = tsm_name(cur->link.tsm_dev);

	KUNIT_EXPECT_STREQ(test, tsm_kunit_show(test, cur->fn1, "lock"), "\n");
	KUNIT_EXPECT_STREQ(test, tsm_kunit_show(test, cur->fn1, "accept"), "0\n");

	/* refusals before lock */
	KUNIT_EXPECT_EQ(test, tsm_kunit_store(test, cur->fn1, "accept", "1"),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, tsm_kunit_store(test, cur->fn1, "unlock", name),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, tsm_kunit_store(test, cur->fn1, "lock", "tsmx"),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, tsm_kunit_store(test, cur->fn1, "lock", "tsm9999"),
			-ENXIO);
	KUNIT_EXPECT_EQ(test, tsm_kunit_store(test, cur->fn1, "lock", link_name),
			-ENXIO);
	KUNIT_EXPECT_EQ(test, tsm_kunit_store(test, cur->plain, "lock", name),
			-ENXIO);
	cur->devsec.decline = true;
	KUNIT_EXPECT_EQ(test, tsm_kunit_store(test, cur->fn1, "lock", name),
			-ENXIO);
	cur->devsec.decline = false;
	cur->devsec.fail_rc = -ENODEV;
	KUNIT_EXPECT_EQ(test, tsm_kunit_store(test, cur->fn1, "lock", name),
			-ENODEV);
	cur->devsec.fail_rc = 0;
	EXPECT_LOG(test, "");

	/* lock */
	KUNIT_EXPECT_EQ(test, tsm_kunit_store(test, cur->fn1, "lock", name),
			(ssize_t)strlen(name));
	KUNIT_EXPECT_STREQ(test, tsm_kunit_show(test, cur->fn1, "lock"), name);
	KUNIT_EXPECT_STREQ(test, tsm_kunit_show(test, cur->fn1, "accept"), "0\n");
	KUNIT_EXPECT_EQ(test, tsm_kunit_store(test, cur->fn1, "lock", name),
			-EBUSY);
	KUNIT_EXPECT_STREQ(test, tsm_kunit_show(test, cur->dsm, "lock"), "\n");

	/* accept */
	KUNIT_EXPECT_EQ(test, tsm_kunit_store(test, cur->fn1, "accept", "0"),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, tsm_kunit_store(test, cur->fn1, "accept", "no"),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, tsm_kunit_store(test, cur->fn1, "accept", "2"),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, tsm_kunit_store(test, cur->fn1, "accept", ""),
			-EINVAL);
	cur->devsec.fail_rc = -EIO;
	KUNIT_EXPECT_EQ(test, tsm_kunit_store(test, cur->fn1, "accept", "1"),
			-EIO);
	cur->devsec.fail_rc = 0;
	KUNIT_EXPECT_STREQ(test, tsm_kunit_show(test, cur->fn1, "accept"), "0\n");
	KUNIT_EXPECT_EQ(test, tsm_kunit_store(test, cur->fn1, "accept", "1\n"), 2);
	KUNIT_EXPECT_STREQ(test, tsm_kunit_show(test, cur->fn1, "accept"), "1\n");
	KUNIT_EXPECT_EQ(test, tsm_kunit_store(test, cur->fn1, "accept", "y"),
			-EBUSY);

	/* unlock needs the exact name */
	KUNIT_EXPECT_EQ(test, tsm_kunit_store(test, cur->fn1, "unlock", link_name),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, tsm_kunit_store(test, cur->fn1, "unlock", "tsm"),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, tsm_kunit_store(test, cur->fn1, "unlock", name),
			(ssize_t)strlen(name));
	KUNIT_EXPECT_STREQ(test, tsm_kunit_show(test, cur->fn1, "lock"), "\n");
	KUNIT_EXPECT_STREQ(test, tsm_kunit_show(test, cur->fn1, "accept"), "0\n");
	KUNIT_EXPECT_EQ(test, tsm_kunit_store(test, cur->fn1, "unlock", name),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, tsm_kunit_store(test, cur->fn1, "accept", "1"),
			-EINVAL);
	EXPECT_LOG(test, "L1.1 A1.1 K1.1 ");
}

static void tsm_devsec_driver_bound(struct kunit *test)
{
	const char *name;

	mock_register(test, &cur->devsec, &mock_devsec_ops);
	name = tsm_name(cur->devsec.tsm_dev);

	drv_bind(test, cur->fn1);
	KUNIT_EXPECT_EQ(test, tsm_kunit_store(test, cur->fn1, "lock", name),
			-EBUSY);
	drv_unbind(test, cur->fn1);

	KUNIT_EXPECT_EQ(test, tsm_kunit_store(test, cur->fn1, "lock", name),
			(ssize_t)strlen(name));
	/* no driver before accept */
	KUNIT_ASSERT_EQ(test, device_set_driver_override(&cur->fn1->dev,
							 core_test_driver.name),
			0);
	KUNIT_EXPECT_EQ(test, device_attach(&cur->fn1->dev), 0);
	KUNIT_EXPECT_NULL(test, cur->fn1->dev.driver);
	drv_unbind(test, cur->fn1);

	KUNIT_EXPECT_EQ(test, tsm_kunit_store(test, cur->fn1, "accept", "1"), 1);
	drv_bind(test, cur->fn1);
	KUNIT_EXPECT_EQ(test, tsm_kunit_store(test, cur->fn1, "unlock", name),
			-EBUSY);
	drv_unbind(test, cur->fn1);
	KUNIT_EXPECT_EQ(test, tsm_kunit_store(test, cur->fn1, "unlock", name),
			(ssize_t)strlen(name));
	EXPECT_LOG(test, "L1.1 A1.1 K1.1 ");
}

static void tsm_devsec_state(struct kunit *test)
{
	u8 buf[sizeof(mock_report)] = {};
	const char *name;
	u64 gen;

	mock_register(test, &cur->devsec, &mock_devsec_state_ops);
	name = tsm_name(cur->devsec.tsm_dev);
	KUNIT_EXPECT_EQ(test, attr_mode(test, cur->fn1, "state"), 0444);
	KUNIT_EXPECT_EQ(test, attr_mode(test, cur->plain, "state"), 0);

	/* not locked: no query */
	KUNIT_EXPECT_STREQ(test, tsm_kunit_show(test, cur->fn1, "state"),
			   "unlocked\n");
	KUNIT_EXPECT_EQ(test, pci_tsm_evidence_get(cur->fn1,
						   PCI_TSM_EVIDENCE_REPORT,
						   buf, sizeof(buf)), -ENXIO);
	KUNIT_EXPECT_STREQ(test, tsm_kunit_show(test, cur->fn1,
						"evidence_generation"), "0\n");

	/* locked: the report is published, the TSM is asked */
	KUNIT_EXPECT_EQ(test, tsm_kunit_store(test, cur->fn1, "lock", name),
			(ssize_t)strlen(name));
	KUNIT_EXPECT_STREQ(test, tsm_kunit_show(test, cur->fn1, "state"),
			   "locked\n");
	KUNIT_EXPECT_EQ(test, pci_tsm_evidence_get(cur->fn1,
						   PCI_TSM_EVIDENCE_REPORT,
						   buf, sizeof(buf)),
			(ssize_t)sizeof(mock_report));
	KUNIT_EXPECT_MEMEQ(test, buf, mock_report, sizeof(mock_report));
	KUNIT_EXPECT_EQ(test, pci_tsm_evidence_get(cur->fn1,
						   PCI_TSM_EVIDENCE_MAX,
						   buf, sizeof(buf)), -EINVAL);
	KUNIT_EXPECT_EQ(test, kstrtou64(tsm_kunit_show(test, cur->fn1,
						       "evidence_generation"),
					10, &gen), 0);
	KUNIT_EXPECT_NE(test, gen, 0);

	/* a TSM that cannot tell fails the read, nothing changes */
	cur->devsec.state_inject = true;
	cur->devsec.state_rc = -ETIMEDOUT;
	KUNIT_EXPECT_EQ(test, tsm_kunit_show_rc(test, cur->fn1, "state"),
			-ETIMEDOUT);
	cur->devsec.state_inject = false;
	KUNIT_EXPECT_STREQ(test, tsm_kunit_show(test, cur->fn1, "state"),
			   "locked\n");

	/* run, then ERROR: trust withdrawn, no driver, no accept */
	KUNIT_EXPECT_EQ(test, tsm_kunit_store(test, cur->fn1, "accept", "1"), 1);
	KUNIT_EXPECT_STREQ(test, tsm_kunit_show(test, cur->fn1, "state"), "run\n");
	cur->devsec.state_inject = true;
	cur->devsec.state_rc = PCI_TSM_TDI_ERROR;
	KUNIT_EXPECT_STREQ(test, tsm_kunit_show(test, cur->fn1, "state"),
			   "error\n");
	cur->devsec.state_inject = false;
	KUNIT_EXPECT_STREQ(test, tsm_kunit_show(test, cur->fn1, "accept"), "0\n");
	KUNIT_EXPECT_STREQ(test, tsm_kunit_show(test, cur->fn1, "state"),
			   "error\n");
	KUNIT_EXPECT_EQ(test, tsm_kunit_store(test, cur->fn1, "accept", "1"),
			-EIO);
	KUNIT_ASSERT_EQ(test, device_set_driver_override(&cur->fn1->dev,
							 core_test_driver.name),
			0);
	KUNIT_EXPECT_EQ(test, device_attach(&cur->fn1->dev), 0);
	KUNIT_EXPECT_NULL(test, cur->fn1->dev.driver);
	drv_unbind(test, cur->fn1);
	KUNIT_EXPECT_EQ(test, tsm_kunit_store(test, cur->fn1, "unlock", name),
			(ssize_t)strlen(name));
	KUNIT_EXPECT_STREQ(test, tsm_kunit_show(test, cur->fn1, "state"),
			   "unlocked\n");
	KUNIT_EXPECT_EQ(test, pci_tsm_evidence_get(cur->fn1,
						   PCI_TSM_EVIDENCE_REPORT,
						   buf, sizeof(buf)), -ENXIO);

	/* stopped behind the guest's back while locked, or nonsense */
	KUNIT_EXPECT_EQ(test, tsm_kunit_store(test, cur->fn1, "lock", name),
			(ssize_t)strlen(name));
	cur->devsec.state_inject = true;
	cur->devsec.state_rc = PCI_TSM_TDI_UNLOCKED;
	KUNIT_EXPECT_STREQ(test, tsm_kunit_show(test, cur->fn1, "state"),
			   "error\n");
	KUNIT_EXPECT_EQ(test, tsm_kunit_store(test, cur->fn1, "unlock", name),
			(ssize_t)strlen(name));
	KUNIT_EXPECT_EQ(test, tsm_kunit_store(test, cur->fn1, "lock", name),
			(ssize_t)strlen(name));
	cur->devsec.state_rc = 42;
	KUNIT_EXPECT_STREQ(test, tsm_kunit_show(test, cur->fn1, "state"),
			   "error\n");
	cur->devsec.state_inject = false;
	mock_unregister(&cur->devsec);
	KUNIT_EXPECT_NULL(test, READ_ONCE(cur->fn1->tsm));
	EXPECT_LOG(test, "L1.1 S1.1 S1.1 S1.1 A1.1 S1.1 S1.1 K1.1 L1.1 S1.1 K1.1 L1.1 S1.1 K1.1 ");
}

static void tsm_unregister_tears_down(struct kunit *test)
{
	struct kvm *kvm = kunit_kzalloc(test, 16, GFP_KERNEL);
	const char *name, *devsec_name;

	mock_register(test, &cur->link, &mock_link_ops);
	mock_register(test, &cur->devsec, &mock_devsec_ops);
	name = tsm_name(cur->link.tsm_dev);
	devsec_name = tsm_name(cur->devsec.tsm_dev);

	KUNIT_ASSERT_EQ(test, tsm_kunit_store(test, cur->dsm, "connect", name),
			(ssize_t)strlen(name));
	KUNIT_ASSERT_EQ(test, pci_tsm_bind(cur->dsm, kvm, 1), 0);
	KUNIT_ASSERT_EQ(test, pci_tsm_bind(cur->fn1, kvm, 2), 0);
	KUNIT_ASSERT_EQ(test, tsm_kunit_store(test, cur->dsm2, "lock", devsec_name),
			(ssize_t)strlen(devsec_name));
	KUNIT_ASSERT_EQ(test, tsm_kunit_store(test, cur->dsm2, "accept", "1"), 1);
	EXPECT_LOG(test, "P1.0 C1.0 P1.1 B1.0 B1.1 L2.0 A2.0 ");

	/* the link TSM goes: everything of it is torn down, in reverse */
	mock_unregister(&cur->link);
	EXPECT_LOG(test, "U1.1 R1.1 U1.0 D1.0 R1.0 ");
	KUNIT_EXPECT_NULL(test, READ_ONCE(cur->dsm->tsm));
	KUNIT_EXPECT_NULL(test, READ_ONCE(cur->fn1->tsm));
	KUNIT_EXPECT_STREQ(test, tsm_kunit_show(test, cur->dsm, "connect"), "\n");
	KUNIT_EXPECT_STREQ(test, tsm_kunit_show(test, cur->dsm2, "lock"),
			   tsm_line(test, &cur->devsec));
	KUNIT_EXPECT_FALSE(test, sysfs_has(cur->dsm, "tsm/connect"));
	KUNIT_EXPECT_EQ(test, pci_tsm_bind(cur->dsm, kvm, 1), -ENXIO);

	/* the devsec TSM goes: its devices are unlocked */
	mock_unregister(&cur->devsec);
	EXPECT_LOG(test, "K2.0 ");
	KUNIT_EXPECT_NULL(test, READ_ONCE(cur->dsm2->tsm));
	KUNIT_EXPECT_STREQ(test, tsm_kunit_show(test, cur->dsm2, "lock"), "\n");
	KUNIT_EXPECT_STREQ(test, tsm_kunit_show(test, cur->dsm2, "accept"), "0\n");
}

static void tsm_device_removal(struct kunit *test)
{
	struct kvm *kvm = kunit_kzalloc(test, 16, GFP_KERNEL);
	const char *name, *devsec_name;

	mock_register(test, &cur->link, &mock_link_ops);
	mock_register(test, &cur->devsec, &mock_devsec_ops);
	name = tsm_name(cur->link.tsm_dev);
	devsec_name = tsm_name(cur->devsec.tsm_dev);

	KUNIT_ASSERT_EQ(test, tsm_kunit_store(test, cur->dsm, "connect", name),
			(ssize_t)strlen(name));
	KUNIT_ASSERT_EQ(test, pci_tsm_bind(cur->fn1, kvm, 2), 0);
	KUNIT_ASSERT_EQ(test, tsm_kunit_store(test, cur->dsm2, "lock", devsec_name),
			(ssize_t)strlen(devsec_name));
	log_reset();

	/* removing a dependent function tears down its context only */
	pci_stop_and_remove_bus_device_locked(cur->fn1);
	EXPECT_LOG(test, "U1.1 R1.1 ");
	KUNIT_EXPECT_STREQ(test, tsm_kunit_show(test, cur->dsm, "connect"),
			   tsm_line(test, &cur->link));

	/* removing the DSM disconnects it */
	pci_stop_and_remove_bus_device_locked(cur->dsm);
	EXPECT_LOG(test, "D1.0 R1.0 ");

	/* removing a locked device unlocks it */
	pci_stop_and_remove_bus_device_locked(cur->dsm2);
	EXPECT_LOG(test, "K2.0 ");

	/*
	 * The pci_devs are gone (still referenced): as for a store that
	 * raced with the removal, nothing can be attached any more.
	 */
	KUNIT_EXPECT_LT(test, tsm_kunit_store(test, cur->dsm, "connect", name), 0);
	KUNIT_EXPECT_LT(test, tsm_kunit_store(test, cur->dsm2, "lock", devsec_name),
			0);
	KUNIT_EXPECT_NULL(test, READ_ONCE(cur->dsm->tsm));
	KUNIT_EXPECT_NULL(test, READ_ONCE(cur->dsm2->tsm));
	log_reset();
}

/*
 * Device removal while a connect store is running in the TSM, and while
 * another store waits for it: removal waits for the running operation,
 * tears the state down, and kernfs drains the stores without deadlock.
 */
static void tsm_removal_vs_store(struct kunit *test)
{
	struct test_thread writer = {}, waiter = {}, remover = {};
	const char *name;

	mock_register(test, &cur->link, &mock_link_ops);
	name = tsm_name(cur->link.tsm_dev);
	cur->link.gate_pdev = cur->dsm;

	writer.file = sysfs_open(test, cur->dsm, "tsm/connect");
	writer.val = name;
	waiter.file = sysfs_open(test, cur->dsm, "tsm/disconnect");
	waiter.val = name;
	remover.pdev = cur->dsm;

	test_thread_start(test, &writer, thread_write);
	KUNIT_ASSERT_TRUE(test, wait_for_completion_timeout(&cur->link.entered,
							    CORE_TEST_TIMEOUT));
	test_thread_start(test, &waiter, thread_write);
	test_thread_start(test, &remover, thread_remove);

	/* removal cannot proceed while the connect runs */
	msleep(200);
	KUNIT_EXPECT_FALSE(test, completion_done(&remover.done));
	KUNIT_EXPECT_FALSE(test, completion_done(&waiter.done));

	complete(&cur->link.gate);
	KUNIT_ASSERT_TRUE(test, test_thread_wait(&writer));
	KUNIT_ASSERT_TRUE(test, test_thread_wait(&waiter));
	KUNIT_ASSERT_TRUE(test, test_thread_wait(&remover));
	fput(writer.file);
	fput(waiter.file);

	KUNIT_EXPECT_EQ(test, writer.rc, (ssize_t)strlen(name));
	/* the disconnect ran either before the removal or, refused, after */
	if (waiter.rc != (ssize_t)strlen(name))
		KUNIT_EXPECT_EQ(test, waiter.rc, -ENXIO);
	EXPECT_LOG(test, "P1.0 C1.0 P1.1 R1.1 D1.0 R1.0 ");
	KUNIT_EXPECT_NULL(test, READ_ONCE(cur->fn1->tsm));
	KUNIT_EXPECT_NULL(test, READ_ONCE(cur->dsm->tsm));
}

/* TSM unregistration while a connect store runs in that TSM */
static void tsm_unregister_vs_store(struct kunit *test)
{
	struct test_thread writer = {}, unregister = {};
	const char *name;

	mock_register(test, &cur->link, &mock_link_ops);
	/* a copy: the TSM goes away */
	name = kunit_str(test, "%s", tsm_name(cur->link.tsm_dev));
	cur->link.gate_pdev = cur->dsm;

	writer.file = sysfs_open(test, cur->dsm, "tsm/connect");
	writer.val = name;

	test_thread_start(test, &writer, thread_write);
	KUNIT_ASSERT_TRUE(test, wait_for_completion_timeout(&cur->link.entered,
							    CORE_TEST_TIMEOUT));
	test_thread_start(test, &unregister, thread_unregister_link);
	msleep(200);
	KUNIT_EXPECT_FALSE(test, completion_done(&unregister.done));

	complete(&cur->link.gate);
	KUNIT_ASSERT_TRUE(test, test_thread_wait(&writer));
	KUNIT_ASSERT_TRUE(test, test_thread_wait(&unregister));
	fput(writer.file);

	KUNIT_EXPECT_EQ(test, writer.rc, (ssize_t)strlen(name));
	EXPECT_LOG(test, "P1.0 C1.0 P1.1 R1.1 D1.0 R1.0 ");
	KUNIT_EXPECT_FALSE(test, sysfs_has(cur->dsm, "tsm"));
}

/* A slow connect of one DSM does not hold up another DSM */
static void tsm_parallel_dsms(struct kunit *test)
{
	struct test_thread slow = {};
	const char *name;

	mock_register(test, &cur->link, &mock_link_ops);
	name = tsm_name(cur->link.tsm_dev);
	cur->link.gate_pdev = cur->dsm;

	slow.pdev = cur->dsm;
	slow.val = name;
	test_thread_start(test, &slow, thread_connect_store);
	KUNIT_ASSERT_TRUE(test, wait_for_completion_timeout(&cur->link.entered,
							    CORE_TEST_TIMEOUT));

	KUNIT_EXPECT_EQ(test, tsm_kunit_store(test, cur->dsm2, "connect", name),
			(ssize_t)strlen(name));
	KUNIT_EXPECT_STREQ(test, tsm_kunit_show(test, cur->dsm2, "connect"),
			   tsm_line(test, &cur->link));
	/* a show of the busy DSM does not wait; it is not connected yet */
	KUNIT_EXPECT_STREQ(test, tsm_kunit_show(test, cur->dsm, "connect"), "\n");
	KUNIT_EXPECT_STREQ(test, tsm_kunit_show(test, cur->dsm, "dsm"), "\n");
	KUNIT_EXPECT_FALSE(test, completion_done(&slow.done));

	complete(&cur->link.gate);
	KUNIT_ASSERT_TRUE(test, test_thread_wait(&slow));
	KUNIT_EXPECT_EQ(test, slow.rc, (ssize_t)strlen(name));
	KUNIT_EXPECT_STREQ(test, tsm_kunit_show(test, cur->dsm, "connect"),
			   tsm_line(test, &cur->link));
	mock_unregister(&cur->link);
	log_reset();
}

/* Interrupted waits for another operation fail with EINTR */
static void tsm_interrupted(struct kunit *test)
{
	struct test_thread slow = {}, same = {}, other = {}, unregister = {};
	const char *name;

	mock_register(test, &cur->link, &mock_link_ops);
	name = kunit_str(test, "%s", tsm_name(cur->link.tsm_dev));
	cur->link.gate_pdev = cur->dsm;

	slow.pdev = cur->dsm;
	slow.val = name;
	test_thread_start(test, &slow, thread_connect_store);
	KUNIT_ASSERT_TRUE(test, wait_for_completion_timeout(&cur->link.entered,
							    CORE_TEST_TIMEOUT));

	/* waiting for the DSM's operation */
	same.pdev = cur->dsm;
	same.val = name;
	test_thread_start(test, &same, thread_connect_store);
	msleep(100);
	KUNIT_EXPECT_FALSE(test, completion_done(&same.done));
	send_sig(SIGINT, same.task, 1);
	KUNIT_ASSERT_TRUE(test, test_thread_wait(&same));
	KUNIT_EXPECT_EQ(test, same.rc, -EINTR);

	/* waiting behind a TSM unregistration */
	test_thread_start(test, &unregister, thread_unregister_link);
	msleep(100);
	other.pdev = cur->dsm2;
	other.val = name;
	test_thread_start(test, &other, thread_connect_store);
	msleep(100);
	KUNIT_EXPECT_FALSE(test, completion_done(&other.done));
	send_sig(SIGINT, other.task, 1);
	KUNIT_ASSERT_TRUE(test, test_thread_wait(&other));
	KUNIT_EXPECT_EQ(test, other.rc, -EINTR);

	complete(&cur->link.gate);
	KUNIT_ASSERT_TRUE(test, test_thread_wait(&slow));
	KUNIT_ASSERT_TRUE(test, test_thread_wait(&unregister));
	KUNIT_EXPECT_EQ(test, slow.rc, (ssize_t)strlen(name));
	EXPECT_LOG(test, "P1.0 C1.0 P1.1 R1.1 D1.0 R1.0 ");
}

/* Wait up to 5 s for the log to read @expected (an asynchronous step) */
static void wait_log(struct kunit *test, const char *expected)
{
	int i;
	bool done = false;

	for (i = 0; i < 250 && !done; i++) {
		mutex_lock(&cur->log_lock);
		done = !strcmp(cur->log, expected);
		mutex_unlock(&cur->log_lock);
		if (!done)
			msleep(20);
	}
	EXPECT_LOG(test, expected);
}

/*
 * Resets through the PCI core (Function Level Reset of the emulated
 * functions): what is unbound before, what the link check decides after,
 * and the two policies of tsm/reset_policy
 */
static void tsm_reset(struct kunit *test)
{
	struct kvm *kvm = kunit_kzalloc(test, 16, GFP_KERNEL);
	struct pci_tsm_ops no_check = mock_link_ops;
	const char *name;
	ssize_t len;

	mock_register(test, &cur->link, &mock_link_ops);
	name = tsm_line(test, &cur->link);
	len = strlen(name);
	KUNIT_EXPECT_STREQ(test, tsm_kunit_show(test, cur->dsm, "reset_policy"),
			   "disconnect\n");
	KUNIT_EXPECT_FALSE(test, sysfs_has(cur->fn1, "reset_policy"));
	/* not connected: nothing to do */
	KUNIT_EXPECT_EQ(test, pci_reset_function(cur->dsm), 0);
	EXPECT_LOG(test, "");

	KUNIT_ASSERT_EQ(test, tsm_kunit_store(test, cur->dsm, "connect", name),
			len);
	KUNIT_ASSERT_EQ(test, pci_tsm_bind(cur->dsm, kvm, 0x100), 0);
	KUNIT_ASSERT_EQ(test, pci_tsm_bind(cur->fn1, kvm, 0x101), 0);
	log_reset();

	/* a dependent's reset: its own interface only, no link check */
	KUNIT_EXPECT_EQ(test, pci_reset_function(cur->fn1), 0);
	EXPECT_LOG(test, "U1.1 ");
	KUNIT_EXPECT_STREQ(test, tsm_kunit_show(test, cur->fn1, "bound"), "\n");
	KUNIT_EXPECT_STREQ(test, tsm_kunit_show(test, cur->dsm, "bound"), name);

	/* the DSM's: every interface of the device, the link survives */
	KUNIT_ASSERT_EQ(test, pci_tsm_bind(cur->fn1, kvm, 0x101), 0);
	KUNIT_EXPECT_EQ(test, pci_reset_function(cur->dsm), 0);
	EXPECT_LOG(test, "B1.1 U1.1 U1.0 H1.0 ");
	KUNIT_EXPECT_STREQ(test, tsm_kunit_show(test, cur->dsm, "connect"), name);
	KUNIT_EXPECT_STREQ(test, tsm_kunit_show(test, cur->dsm, "bound"), "\n");

	/* lost, default policy: disconnected */
	cur->link.check_rc = -ENOLINK;
	KUNIT_EXPECT_EQ(test, pci_reset_function(cur->dsm), 0);
	EXPECT_LOG(test, "H1.0 R1.1 D1.0 R1.0 ");
	KUNIT_EXPECT_STREQ(test, tsm_kunit_show(test, cur->dsm, "connect"), "\n");
	KUNIT_EXPECT_STREQ(test, tsm_kunit_show(test, cur->fn1, "dsm"), "\n");

	/* the policy: two words, CAP_SYS_ADMIN (the test runs with it) */
	KUNIT_EXPECT_EQ(test, tsm_kunit_store(test, cur->dsm, "reset_policy",
					      "never"), -EINVAL);
	KUNIT_EXPECT_EQ(test, tsm_kunit_store(test, cur->dsm, "reset_policy",
					      "reconnect\n"), 10);
	KUNIT_EXPECT_STREQ(test, tsm_kunit_show(test, cur->dsm, "reset_policy"),
			   "reconnect\n");

	/* lost, reconnect: connected again, dependents probed again */
	KUNIT_ASSERT_EQ(test, tsm_kunit_store(test, cur->dsm, "connect", name),
			len);
	log_reset();
	KUNIT_EXPECT_EQ(test, pci_reset_function(cur->dsm), 0);
	wait_log(test, "H1.0 R1.1 D1.0 R1.0 P1.0 C1.0 P1.1 ");
	KUNIT_EXPECT_STREQ(test, tsm_kunit_show(test, cur->dsm, "connect"), name);

	/* a reconnect that fails leaves the device disconnected */
	cur->link.fail_rc = -EIO;
	KUNIT_EXPECT_EQ(test, pci_reset_function(cur->dsm), 0);
	wait_log(test, "H1.0 R1.1 D1.0 R1.0 P1.0 C1.0 R1.0 ");
	KUNIT_EXPECT_STREQ(test, tsm_kunit_show(test, cur->dsm, "connect"), "\n");
	cur->link.fail_rc = 0;
	mock_unregister(&cur->link);

	/* a TSM without a link check: the link counts as lost */
	no_check.link_check = NULL;
	KUNIT_EXPECT_EQ(test, tsm_kunit_store(test, cur->dsm, "reset_policy",
					      "disconnect"), 10);
	mock_register(test, &cur->link, &no_check);
	name = tsm_line(test, &cur->link);
	KUNIT_ASSERT_EQ(test, tsm_kunit_store(test, cur->dsm, "connect", name),
			(ssize_t)strlen(name));
	log_reset();
	KUNIT_EXPECT_EQ(test, pci_reset_function(cur->dsm), 0);
	EXPECT_LOG(test, "R1.1 D1.0 R1.0 ");
	KUNIT_EXPECT_STREQ(test, tsm_kunit_show(test, cur->dsm, "connect"), "\n");
}

/*
 * IDE key refresh: refused unless connected, counted, a failure that the
 * link check finds fatal disconnects; the periodic refresh, including a
 * failure that costs the link from the work item itself
 */
static void tsm_ide_refresh(struct kunit *test)
{
	struct pci_tsm_ops no_refresh = mock_link_ops;
	const char *name;
	ssize_t len;

	mock_register(test, &cur->link, &mock_link_ops);
	name = tsm_line(test, &cur->link);
	len = strlen(name);
	KUNIT_EXPECT_FALSE(test, sysfs_has(cur->fn1, "ide_refresh"));
	KUNIT_EXPECT_FALSE(test, sysfs_has(cur->fn1, "ide_refresh_interval"));
	KUNIT_EXPECT_EQ(test, tsm_kunit_store(test, cur->dsm, "ide_refresh",
					      "1"), -ENOTCONN);
	KUNIT_EXPECT_STREQ(test, tsm_kunit_show(test, cur->dsm, "ide_refresh"),
			   "0\n");
	EXPECT_LOG(test, "");

	KUNIT_ASSERT_EQ(test, tsm_kunit_store(test, cur->dsm, "connect", name),
			len);
	log_reset();
	KUNIT_EXPECT_EQ(test, tsm_kunit_store(test, cur->dsm, "ide_refresh",
					      "0"), -EINVAL);
	KUNIT_EXPECT_EQ(test, tsm_kunit_store(test, cur->dsm, "ide_refresh",
					      "now"), -EINVAL);
	KUNIT_EXPECT_EQ(test, tsm_kunit_store(test, cur->dsm, "ide_refresh",
					      "1\n"), 2);
	KUNIT_EXPECT_EQ(test, tsm_kunit_store(test, cur->dsm, "ide_refresh",
					      "1"), 1);
	EXPECT_LOG(test, "K1.0 K1.0 ");
	KUNIT_EXPECT_STREQ(test, tsm_kunit_show(test, cur->dsm, "ide_refresh"),
			   "2\n");

	/* nothing to refresh: no link check */
	cur->link.refresh_rc = -EOPNOTSUPP;
	KUNIT_EXPECT_EQ(test, tsm_kunit_store(test, cur->dsm, "ide_refresh",
					      "1"), -EOPNOTSUPP);
	EXPECT_LOG(test, "K1.0 ");
	/* failed, the link survived: still connected, not counted */
	cur->link.refresh_rc = -EIO;
	KUNIT_EXPECT_EQ(test, tsm_kunit_store(test, cur->dsm, "ide_refresh",
					      "1"), -EIO);
	EXPECT_LOG(test, "K1.0 H1.0 ");
	KUNIT_EXPECT_STREQ(test, tsm_kunit_show(test, cur->dsm, "connect"), name);
	KUNIT_EXPECT_STREQ(test, tsm_kunit_show(test, cur->dsm, "ide_refresh"),
			   "2\n");
	/* failed, the link lost: disconnected */
	cur->link.check_rc = -ENOLINK;
	KUNIT_EXPECT_EQ(test, tsm_kunit_store(test, cur->dsm, "ide_refresh",
					      "1"), -EIO);
	EXPECT_LOG(test, "K1.0 H1.0 R1.1 D1.0 R1.0 ");
	KUNIT_EXPECT_STREQ(test, tsm_kunit_show(test, cur->dsm, "connect"), "\n");
	KUNIT_EXPECT_STREQ(test, tsm_kunit_show(test, cur->dsm, "ide_refresh"),
			   "0\n");
	cur->link.refresh_rc = 0;
	cur->link.check_rc = 0;

	/* the interval: seconds, bounded, kept across connects */
	KUNIT_EXPECT_STREQ(test, tsm_kunit_show(test, cur->dsm,
						"ide_refresh_interval"), "0\n");
	KUNIT_EXPECT_EQ(test, tsm_kunit_store(test, cur->dsm,
					      "ide_refresh_interval", "-1"),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, tsm_kunit_store(test, cur->dsm,
					      "ide_refresh_interval", "604801"),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, tsm_kunit_store(test, cur->dsm,
					      "ide_refresh_interval", "1"), 1);
	KUNIT_EXPECT_STREQ(test, tsm_kunit_show(test, cur->dsm,
						"ide_refresh_interval"), "1\n");
	log_reset();
	KUNIT_ASSERT_EQ(test, tsm_kunit_store(test, cur->dsm, "connect", name),
			len);
	EXPECT_LOG(test, "P1.0 C1.0 P1.1 ");
	wait_log(test, "K1.0 ");
	wait_log(test, "K1.0 ");
	/* stopped by 0 */
	KUNIT_EXPECT_EQ(test, tsm_kunit_store(test, cur->dsm,
					      "ide_refresh_interval", "0"), 1);
	log_reset();
	msleep(1500);
	EXPECT_LOG(test, "");
	/* a periodic refresh that costs the link disconnects from the work */
	cur->link.refresh_rc = -EIO;
	cur->link.check_rc = -ENOLINK;
	KUNIT_EXPECT_EQ(test, tsm_kunit_store(test, cur->dsm,
					      "ide_refresh_interval", "1"), 1);
	wait_log(test, "K1.0 H1.0 R1.1 D1.0 R1.0 ");
	KUNIT_EXPECT_STREQ(test, tsm_kunit_show(test, cur->dsm, "connect"), "\n");
	cur->link.refresh_rc = 0;
	cur->link.check_rc = 0;
	/* a pending refresh is cancelled by disconnect */
	KUNIT_ASSERT_EQ(test, tsm_kunit_store(test, cur->dsm, "connect", name),
			len);
	KUNIT_ASSERT_EQ(test, tsm_kunit_store(test, cur->dsm, "disconnect",
					      name), len);
	log_reset();
	msleep(1500);
	EXPECT_LOG(test, "");
	mock_unregister(&cur->link);

	/* a TSM that cannot refresh */
	no_refresh.ide_refresh = NULL;
	mock_register(test, &cur->link, &no_refresh);
	name = tsm_line(test, &cur->link);
	KUNIT_ASSERT_EQ(test, tsm_kunit_store(test, cur->dsm, "connect", name),
			(ssize_t)strlen(name));
	KUNIT_EXPECT_EQ(test, tsm_kunit_store(test, cur->dsm, "ide_refresh",
					      "1"), -EOPNOTSUPP);
	/* the ops are on this stack: gone before the test's exit */
	mock_unregister(&cur->link);
}

/*
 * A reset without pci_dev_save_and_disable() (as VFIO releases a device)
 * still takes the TSM through it, and pci_reset_function() only once;
 * binds are refused while the function or its DSM is being reset
 */
static void tsm_reset_direct(struct kunit *test)
{
	struct kvm *kvm = kunit_kzalloc(test, 16, GFP_KERNEL);
	const char *name;
	int rc;

	mock_register(test, &cur->link, &mock_link_ops);
	name = tsm_line(test, &cur->link);
	KUNIT_ASSERT_EQ(test, tsm_kunit_store(test, cur->dsm, "connect", name),
			(ssize_t)strlen(name));
	KUNIT_ASSERT_EQ(test, pci_tsm_bind(cur->dsm, kvm, 0x100), 0);
	KUNIT_ASSERT_EQ(test, pci_tsm_bind(cur->fn1, kvm, 0x101), 0);
	log_reset();

	/* what vfio_pci_core_disable() does */
	device_lock(&cur->dsm->dev);
	pci_save_state(cur->dsm);
	rc = __pci_reset_function_locked(cur->dsm);
	pci_restore_state(cur->dsm);
	device_unlock(&cur->dsm->dev);
	KUNIT_EXPECT_EQ(test, rc, 0);
	EXPECT_LOG(test, "U1.1 U1.0 H1.0 ");
	KUNIT_EXPECT_TRUE(test, cur->link.saw_resetting);
	KUNIT_EXPECT_FALSE(test, READ_ONCE(cur->dsm->tsm_resetting));
	KUNIT_EXPECT_STREQ(test, tsm_kunit_show(test, cur->dsm, "connect"), name);

	cur->link.saw_resetting = false;
	KUNIT_EXPECT_EQ(test, pci_reset_function(cur->dsm), 0);
	EXPECT_LOG(test, "H1.0 ");
	KUNIT_EXPECT_TRUE(test, cur->link.saw_resetting);
	KUNIT_EXPECT_FALSE(test, READ_ONCE(cur->dsm->tsm_resetting));

	/* a driver resetting its function with pcie_flr() */
	KUNIT_ASSERT_EQ(test, pci_tsm_bind(cur->fn1, kvm, 0x101), 0);
	pci_save_state(cur->fn1);
	KUNIT_EXPECT_EQ(test, pcie_flr(cur->fn1), 0);
	pci_restore_state(cur->fn1);
	EXPECT_LOG(test, "B1.1 U1.1 ");
	pci_save_state(cur->dsm);
	KUNIT_EXPECT_EQ(test, pcie_flr(cur->dsm), 0);
	pci_restore_state(cur->dsm);
	EXPECT_LOG(test, "H1.0 ");
	KUNIT_EXPECT_FALSE(test, READ_ONCE(cur->dsm->tsm_resetting));
	KUNIT_EXPECT_STREQ(test, tsm_kunit_show(test, cur->dsm, "connect"), name);

	/* the window of a reset of the function, then of its DSM */
	WRITE_ONCE(cur->fn1->tsm_resetting, true);
	KUNIT_EXPECT_EQ(test, pci_tsm_bind(cur->fn1, kvm, 0x101), -EBUSY);
	WRITE_ONCE(cur->fn1->tsm_resetting, false);
	WRITE_ONCE(cur->dsm->tsm_resetting, true);
	KUNIT_EXPECT_EQ(test, pci_tsm_bind(cur->fn1, kvm, 0x101), -EBUSY);
	KUNIT_EXPECT_EQ(test, pci_tsm_bind(cur->dsm, kvm, 0x100), -EBUSY);
	WRITE_ONCE(cur->dsm->tsm_resetting, false);
	EXPECT_LOG(test, "");
	KUNIT_EXPECT_EQ(test, pci_tsm_bind(cur->fn1, kvm, 0x101), 0);
	EXPECT_LOG(test, "B1.1 ");
}

/*
 * Runtime PM: a connected DSM is not runtime suspended even with runtime
 * PM allowed, connect wakes a suspended one, disconnect and a failed
 * connect give the usage reference back
 */
static void tsm_runtime_pm(struct kunit *test)
{
	struct device *dev = &cur->dsm->dev;
	const char *name;
	ssize_t len;
	int usage;

	if (!IS_ENABLED(CONFIG_PM))
		kunit_skip(test, "no runtime PM");
	mock_register(test, &cur->link, &mock_link_ops);
	name = tsm_line(test, &cur->link);
	len = strlen(name);
	drv_bind(test, cur->dsm);
	usage = atomic_read(&dev->power.usage_count);

	KUNIT_ASSERT_EQ(test, tsm_kunit_store(test, cur->dsm, "connect", name),
			len);
	KUNIT_EXPECT_EQ(test, atomic_read(&dev->power.usage_count), usage + 1);
	pm_runtime_allow(dev);
	KUNIT_EXPECT_EQ(test, pm_runtime_suspend(dev), -EAGAIN);
	KUNIT_EXPECT_TRUE(test, pm_runtime_active(dev));
	KUNIT_EXPECT_NE(test, cur->dsm->current_state, PCI_D3hot);
	KUNIT_EXPECT_EQ(test, atomic_read(&cur->rpm_suspends), 0);

	/* disconnected: nothing keeps it up any more */
	KUNIT_EXPECT_EQ(test, tsm_kunit_store(test, cur->dsm, "disconnect", name),
			len);
	EXPECT_LOG(test, "P1.0 C1.0 P1.1 R1.1 D1.0 R1.0 ");
	KUNIT_EXPECT_EQ(test, atomic_read(&dev->power.usage_count), usage - 1);
	KUNIT_EXPECT_GE(test, pm_runtime_suspend(dev), 0);
	KUNIT_EXPECT_TRUE(test, pm_runtime_suspended(dev));
	KUNIT_EXPECT_EQ(test, cur->dsm->current_state, PCI_D3hot);
	KUNIT_EXPECT_EQ(test, atomic_read(&cur->rpm_suspends), 1);

	/* connect wakes it before the TSM talks to it, and keeps it up */
	KUNIT_ASSERT_EQ(test, tsm_kunit_store(test, cur->dsm, "connect", name),
			len);
	KUNIT_EXPECT_EQ(test, atomic_read(&cur->rpm_resumes), 1);
	KUNIT_EXPECT_TRUE(test, pm_runtime_active(dev));
	KUNIT_EXPECT_EQ(test, cur->dsm->current_state, PCI_D0);
	KUNIT_EXPECT_EQ(test, pm_runtime_suspend(dev), -EAGAIN);
	KUNIT_EXPECT_EQ(test, tsm_kunit_store(test, cur->dsm, "disconnect", name),
			len);
	EXPECT_LOG(test, "P1.0 C1.0 P1.1 R1.1 D1.0 R1.0 ");
	KUNIT_EXPECT_GE(test, pm_runtime_suspend(dev), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&cur->rpm_suspends), 2);

	/* a connect that fails does not keep it up either */
	cur->link.fail_rc = -EIO;
	KUNIT_EXPECT_EQ(test, tsm_kunit_store(test, cur->dsm, "connect", name),
			-EIO);
	cur->link.fail_rc = 0;
	EXPECT_LOG(test, "P1.0 C1.0 R1.0 ");
	KUNIT_EXPECT_EQ(test, atomic_read(&dev->power.usage_count), usage - 1);
	KUNIT_EXPECT_GE(test, pm_runtime_suspend(dev), 0);
	KUNIT_EXPECT_TRUE(test, pm_runtime_suspended(dev));
	KUNIT_EXPECT_EQ(test, atomic_read(&cur->rpm_resumes), 2);
	KUNIT_EXPECT_EQ(test, atomic_read(&cur->rpm_suspends), 3);

	pm_runtime_forbid(dev);
	KUNIT_EXPECT_TRUE(test, pm_runtime_active(dev));
	KUNIT_EXPECT_EQ(test, cur->dsm->current_state, PCI_D0);
	drv_unbind(test, cur->dsm);
}

#ifdef CONFIG_PCIEAER
/* reset_subordinates of pcie_do_recovery(): only logs when it runs */
static pci_ers_result_t error_reset_log(struct pci_dev *bridge)
{
	log_op('X', bridge);
	return PCI_ERS_RESULT_RECOVERED;
}

/*
 * Error recovery (AER, DPC): the interfaces below the port leave trust
 * before its reset, the links below it are checked after; other ports
 * and a recovery without a reset are left alone
 */
static void tsm_error_recovery(struct kunit *test)
{
	struct pci_dev *port = pci_upstream_bridge(cur->dsm);
	struct kvm *kvm = kunit_kzalloc(test, 16, GFP_KERNEL);
	const char *name;
	ssize_t len;

	KUNIT_ASSERT_NOT_NULL(test, port);
	mock_register(test, &cur->link, &mock_link_ops);
	name = tsm_line(test, &cur->link);
	len = strlen(name);
	KUNIT_ASSERT_EQ(test, tsm_kunit_store(test, cur->dsm, "connect", name),
			len);
	KUNIT_ASSERT_EQ(test, tsm_kunit_store(test, cur->dsm2, "connect", name),
			len);
	KUNIT_ASSERT_EQ(test, pci_tsm_bind(cur->dsm, kvm, 0x100), 0);
	KUNIT_ASSERT_EQ(test, pci_tsm_bind(cur->fn1, kvm, 0x101), 0);
	KUNIT_ASSERT_EQ(test, pci_tsm_bind(cur->dsm2, kvm, 0x200), 0);
	log_reset();

	/* a non-fatal error: no reset, nothing to do */
	pcie_do_recovery(cur->dsm, pci_channel_io_normal, error_reset_log);
	EXPECT_LOG(test, "");

	/* the link survives: the interfaces below the port were unbound */
	pcie_do_recovery(cur->dsm, pci_channel_io_frozen, error_reset_log);
	EXPECT_LOG(test, kunit_str(test, "U1.1 U1.0 X%x.%x H1.0 ",
				   port->bus->number, PCI_FUNC(port->devfn)));
	KUNIT_EXPECT_STREQ(test, tsm_kunit_show(test, cur->dsm, "connect"), name);
	KUNIT_EXPECT_STREQ(test, tsm_kunit_show(test, cur->dsm, "bound"), "\n");
	KUNIT_EXPECT_STREQ(test, tsm_kunit_show(test, cur->dsm2, "bound"), name);

	/* it does not: disconnected, by the port's recovery */
	cur->link.check_rc = -ENOLINK;
	pcie_do_recovery(port, pci_channel_io_frozen, error_reset_log);
	EXPECT_LOG(test, kunit_str(test, "X%x.%x H1.0 R1.1 D1.0 R1.0 ",
				   port->bus->number, PCI_FUNC(port->devfn)));
	KUNIT_EXPECT_STREQ(test, tsm_kunit_show(test, cur->dsm, "connect"), "\n");
	KUNIT_EXPECT_STREQ(test, tsm_kunit_show(test, cur->dsm2, "connect"), name);
	KUNIT_EXPECT_STREQ(test, tsm_kunit_show(test, cur->dsm2, "bound"), name);
	cur->link.check_rc = 0;
}
#else
static void tsm_error_recovery(struct kunit *test)
{
	kunit_skip(test, "no PCIe error recovery (CONFIG_PCIEAER)");
}
#endif

/* A function locked by a devsec TSM is unlocked before its reset */
static void tsm_reset_devsec(struct kunit *test)
{
	const char *name;

	mock_register(test, &cur->devsec, &mock_devsec_ops);
	name = tsm_line(test, &cur->devsec);
	KUNIT_ASSERT_EQ(test, tsm_kunit_store(test, cur->fn1, "lock", name),
			(ssize_t)strlen(name));
	KUNIT_ASSERT_EQ(test, tsm_kunit_store(test, cur->fn1, "accept", "1"), 1);
	KUNIT_EXPECT_EQ(test, pci_reset_function(cur->fn1), 0);
	EXPECT_LOG(test, "L1.1 A1.1 K1.1 ");
	KUNIT_EXPECT_STREQ(test, tsm_kunit_show(test, cur->fn1, "lock"), "\n");
	KUNIT_EXPECT_STREQ(test, tsm_kunit_show(test, cur->fn1, "accept"), "0\n");
}

static struct pci_dev *get_fn(struct kunit *test, unsigned int port,
			      unsigned int func)
{
	struct tsm_emu_fn *fn = tsm_emu_endpoint(cur->emu, port, func);
	struct pci_dev *pdev;

	KUNIT_ASSERT_NOT_NULL(test, fn);
	pdev = tsm_emu_fn_get_pci_dev(fn);
	KUNIT_ASSERT_NOT_NULL(test, pdev);
	return pdev;
}

static int core_test_init(struct kunit *test)
{
	struct tsm_emu_config cfg;
	struct core_test *ct;

	ct = kunit_kzalloc(test, sizeof(*ct), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ct);
	ct->test = test;
	mutex_init(&ct->log_lock);
	init_completion(&ct->link.entered);
	init_completion(&ct->link.gate);
	init_completion(&ct->devsec.entered);
	init_completion(&ct->devsec.gate);
	test->priv = ct;
	cur = ct;

	tsm_emu_default_config(&cfg, CORE_TEST_DOMAIN);
	ct->emu = tsm_emu_create(&cfg);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, ct->emu);

	ct->dsm = get_fn(test, 0, 0);
	ct->fn1 = get_fn(test, 0, 1);
	ct->dsm2 = get_fn(test, 1, 0);
	ct->plain = get_fn(test, 2, 0);
	return 0;
}

static void core_test_exit(struct kunit *test)
{
	struct core_test *ct = test->priv;

	if (!ct)
		return;
	/* a gated connect must not block the teardown */
	complete_all(&ct->link.gate);
	mock_unregister(&ct->link);
	mock_unregister(&ct->devsec);
	pci_dev_put(ct->dsm);
	pci_dev_put(ct->fn1);
	pci_dev_put(ct->dsm2);
	pci_dev_put(ct->plain);
	if (!IS_ERR_OR_NULL(ct->emu))
		tsm_emu_destroy(ct->emu);
	cur = NULL;
}

static int core_test_suite_init(struct kunit_suite *suite)
{
	struct file_system_type *type;
	int rc;

	type = get_fs_type("sysfs");
	if (!type)
		return -ENODEV;
	core_test_sysfs = vfs_kern_mount(type, SB_KERNMOUNT, type->name, NULL);
	put_filesystem(type);
	if (IS_ERR(core_test_sysfs))
		return PTR_ERR(core_test_sysfs);

	rc = pci_register_driver(&core_test_driver);
	if (rc)
		kern_unmount(core_test_sysfs);
	return rc;
}

static void core_test_suite_exit(struct kunit_suite *suite)
{
	pci_unregister_driver(&core_test_driver);
	kern_unmount(core_test_sysfs);
}

static struct kunit_case core_test_cases[] = {
	KUNIT_CASE(tsm_class_register),
	KUNIT_CASE(tsm_visibility),
	KUNIT_CASE(tsm_connect),
	KUNIT_CASE(tsm_connect_refused),
	KUNIT_CASE(tsm_bind),
	KUNIT_CASE(tsm_bind_unsupported),
	KUNIT_CASE(tsm_devsec),
	KUNIT_CASE(tsm_devsec_driver_bound),
	KUNIT_CASE(tsm_devsec_state),
	KUNIT_CASE(tsm_unregister_tears_down),
	KUNIT_CASE(tsm_device_removal),
	KUNIT_CASE(tsm_removal_vs_store),
	KUNIT_CASE(tsm_unregister_vs_store),
	KUNIT_CASE(tsm_parallel_dsms),
	KUNIT_CASE(tsm_interrupted),
	KUNIT_CASE(tsm_reset),
	KUNIT_CASE(tsm_reset_devsec),
	KUNIT_CASE(tsm_reset_direct),
	KUNIT_CASE(tsm_runtime_pm),
	KUNIT_CASE(tsm_error_recovery),
	KUNIT_CASE_SLOW(tsm_ide_refresh),
	{}
};

static struct kunit_suite core_test_suite = {
	.name = "pci-tsm-core",
	.init = core_test_init,
	.exit = core_test_exit,
	.suite_init = core_test_suite_init,
	.suite_exit = core_test_suite_exit,
	.test_cases = core_test_cases,
};

kunit_test_suite(core_test_suite);

MODULE_DESCRIPTION("KUnit tests of the TSM class and the PCI/TSM core");
MODULE_LICENSE("GPL");
