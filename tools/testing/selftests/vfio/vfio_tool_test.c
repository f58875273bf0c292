// SPDX-License-Identifier: GPL-2.0-only
/*
 * VM test of tools/vfio/vfio-bind: binds and restores zoo devices through
 * the tool and checks sysfs, then (with our modules) checks ranking and
 * fallback with the test-only vfio_test_driver module for edu.
 *
 * There is no depmod'ed modules.alias for our out-of-tree modules in the
 * guest, so the test builds a module tree in /tmp (tmpfs in the VM):
 * ROOT/lib/modules/$(uname -r)/updates/ holds copies of our modules and of
 * the test module, "depmod -b ROOT" writes its modules.dep and
 * modules.alias, and vfio-bind is pointed at it with --module-dir. With
 * the stock modules (VFIO_DRIVER=stock) the tool runs on the system's own
 * /lib/modules, and the test-module cases are skipped.
 *
 * The devices are first handed to their native drivers (the VM binds the
 * zoo to vfio-pci) and put back as they were at the end.
 *
 * Every zoo device has an IOMMU group of its own. The group cases need a
 * pci-testdev sharing its group with an e1000 (native driver e1000), which
 * devices behind a PCIe-to-PCI bridge do; they are skipped otherwise:
 *
 *   vm-run --qemu-arg -device --qemu-arg pcie-pci-bridge,id=pb,bus=pcie.0 \
 *	--qemu-arg -device --qemu-arg e1000,bus=pb,addr=1,netdev=n9 \
 *	--qemu-arg -netdev --qemu-arg user,id=n9 \
 *	--qemu-arg -device --qemu-arg pci-testdev,bus=pb,addr=2 \
 *	-- tools/testing/selftests/vfio/vfio_tool_test
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/vfio.h>

#include "kselftest.h"

#define __printf(a, b)	__attribute__((format(printf, a, b)))

#define TMP		"/tmp/vfio_tool_test"
#define STATE		TMP "/state"
/* vm-run's copies of the modules under test, built for the running kernel */
#define RUN_MODULE_DIR	"/run/vm-run/ours"
#define NO_DEVICE	"0000:ff:1f.7"

struct dev {
	char bdf[32];
	char driver[64];	/* as found, restored at the end */
	char override[64];
	char native[64];	/* after handing the device to the kernel */
};

static char repo[PATH_MAX + 16], tool[PATH_MAX + 64], moddir[256];
/* The modules under test: vm-run's copies, else those built in the tree */
static char core_ko[PATH_MAX + 128], pci_ko[PATH_MAX + 128], test_ko[PATH_MAX + 128];
static char out[1 << 16];
static bool ours;

static int __printf(1, 2) sh(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Runs vfio-bind --json with @fmt appended; stdout lands in out[]. */
static int __printf(1, 2) tool_run(const char *fmt, ...)
{
	char cmd[2 * PATH_MAX], args[2048];
	va_list ap;
	size_t n;
	FILE *p;
	int st;

	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	snprintf(cmd, sizeof(cmd), "%s --json --state-dir %s %s%s %s 2>%s/err",
		 tool, STATE, *moddir ? "--module-dir " : "", moddir, args, TMP);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = '\0';
	st = pclose(p);
	ksft_print_msg("vfio-bind %s -> %d: %s", args,
		       WIFEXITED(st) ? WEXITSTATUS(st) : -1, out);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static bool has(const char *s)
{
	return strstr(out, s);
}

/* Whether attempt number @i of the JSON output is the one described. */
static bool attempt(int i, const char *module, const char *driver,
		    const char *result)
{
	char want[512];
	const char *p = strstr(out, "\"attempts\":[");

	snprintf(want, sizeof(want),
		 "{\"module\":\"%s\",\"driver\":%s,\"result\":\"%s\",",
		 module, driver, result);
	for (; p && i >= 0; i--)
		p = strchr(p + 1, '{');
	return p && !strncmp(p, want, strlen(want));
}

static void read_str(const char *path, char *buf, size_t size)
{
	ssize_t n = -1;
	int fd;

	buf[0] = '\0';
	fd = open(path, O_RDONLY);
	if (fd >= 0) {
		n = read(fd, buf, size - 1);
		close(fd);
	}
	if (n <= 0)
		return;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
}

static int write_str(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_TRUNC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	close(fd);
	return n < 0 ? -errno : 0;
}

static void dev_path(const struct dev *d, const char *attr, char *buf,
		     size_t size)
{
	snprintf(buf, size, "/sys/bus/pci/devices/%s/%s", d->bdf, attr);
}

static const char *driver_of(const struct dev *d)
{
	static char name[PATH_MAX];
	char path[PATH_MAX], link[PATH_MAX];
	ssize_t n;

	dev_path(d, "driver", path, sizeof(path));
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return "";
	link[n] = '\0';
	snprintf(name, sizeof(name), "%s", basename(link));
	return name;
}

static const char *override_of(const struct dev *d)
{
	static char buf[128];
	char path[PATH_MAX];

	dev_path(d, "driver_override", path, sizeof(path));
	read_str(path, buf, sizeof(buf));
	return strcmp(buf, "(null)") ? buf : "";
}

static bool is_dev(const char *bdf, const char *vendor, const char *device)
{
	char path[PATH_MAX], v[16], dv[16];

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/vendor", bdf);
	read_str(path, v, sizeof(v));
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/device", bdf);
	read_str(path, dv, sizeof(dv));
	return !strcmp(v, vendor) && !strcmp(dv, device);
}

/*
 * Finds a device @vendor:@device sharing its IOMMU group with a device
 * @vendor2:@device2, which goes to @d2.
 */
static bool find_grouped(const char *vendor, const char *device,
			 const char *vendor2, const char *device2,
			 struct dev *d, struct dev *d2)
{
	char path[PATH_MAX];
	struct dirent *de, *ge;
	DIR *dir, *gdir;
	bool found = false;

	memset(d, 0, sizeof(*d));
	memset(d2, 0, sizeof(*d2));
	dir = opendir("/sys/bus/pci/devices");
	if (!dir)
		return false;
	while (!found && (de = readdir(dir))) {
		if (de->d_name[0] == '.' || !is_dev(de->d_name, vendor, device))
			continue;
		snprintf(path, sizeof(path),
			 "/sys/bus/pci/devices/%s/iommu_group/devices",
			 de->d_name);
		gdir = opendir(path);
		if (!gdir)
			continue;
		while ((ge = readdir(gdir))) {
			if (ge->d_name[0] == '.' ||
			    !is_dev(ge->d_name, vendor2, device2))
				continue;
			snprintf(d->bdf, sizeof(d->bdf), "%.31s", de->d_name);
			snprintf(d2->bdf, sizeof(d2->bdf), "%.31s", ge->d_name);
			found = true;
			break;
		}
		closedir(gdir);
	}
	closedir(dir);
	return found;
}

static bool find_dev(const char *vendor, const char *device, struct dev *d)
{
	char path[PATH_MAX], v[16], dv[16];
	struct dirent *de;
	DIR *dir;

	memset(d, 0, sizeof(*d));
	dir = opendir("/sys/bus/pci/devices");
	if (!dir)
		return false;
	while ((de = readdir(dir))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/vendor",
			 de->d_name);
		read_str(path, v, sizeof(v));
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/device",
			 de->d_name);
		read_str(path, dv, sizeof(dv));
		if (!strcmp(v, vendor) && !strcmp(dv, device)) {
			size_t len = strnlen(de->d_name, sizeof(d->bdf) - 1);

			memcpy(d->bdf, de->d_name, len);
			d->bdf[len] = '\0';
			break;
		}
	}
	closedir(dir);
	return d->bdf[0];
}

/* Puts the device on @driver (none if empty) with @override set. */
static void set_binding(struct dev *d, const char *driver,
			const char *override)
{
	char path[PATH_MAX];

	dev_path(d, "driver_override", path, sizeof(path));
	write_str(path, *override ? override : "\n");
	if (*driver_of(d)) {
		dev_path(d, "driver/unbind", path, sizeof(path));
		write_str(path, d->bdf);
	}
	if (*driver) {
		snprintf(path, sizeof(path), "/sys/bus/pci/drivers/%s/bind",
			 driver);
		if (write_str(path, d->bdf))
			write_str("/sys/bus/pci/drivers_probe", d->bdf);
	}
}

/* Before any module is loaded: loading a driver can bind the device. */
static void save(struct dev *d)
{
	snprintf(d->driver, sizeof(d->driver), "%s", driver_of(d));
	snprintf(d->override, sizeof(d->override), "%s", override_of(d));
}

static void go_native(struct dev *d)
{
	set_binding(d, "", "");
	write_str("/sys/bus/pci/drivers_probe", d->bdf);
	snprintf(d->native, sizeof(d->native), "%s", driver_of(d));
	ksft_print_msg("%s: was on '%s' (override '%s'), native driver '%s'\n",
		       d->bdf, d->driver, d->override, d->native);
}

static bool state_exists(const struct dev *d)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", STATE, d->bdf);
	return !access(path, F_OK);
}

static bool is_restored(const struct dev *d)
{
	return !strcmp(driver_of(d), d->native) && !*override_of(d) &&
	       !state_exists(d);
}

static bool module_loaded(const char *name)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "/sys/module/%s", name);
	return !access(path, F_OK);
}

static bool setup_module_tree(const char *kver)
{
	char upd[sizeof(moddir) + 16];

	snprintf(moddir, sizeof(moddir), "%s/root/lib/modules/%s", TMP, kver);
	snprintf(upd, sizeof(upd), "%s/updates", moddir);
	return !sh("mkdir -p %s && cp %s %s %s %s/ && depmod -b %s/root %s",
		   upd, core_ko, pci_ko, test_ko, upd, TMP, kver);
}

static void test_generic(struct dev *e)
{
	char path[PATH_MAX], group[PATH_MAX], link[PATH_MAX];
	char prev[128];
	ssize_t n;
	int rc;

	rc = tool_run("list %s", e->bdf);
	ksft_test_result(rc == 0 && has("\"rank\":1,\"module\":\"vfio_pci\""),
			 "list_e1000e_generic_vfio_pci\n");

	rc = tool_run("--dry-run bind %s", e->bdf);
	ksft_test_result(rc == 0 && has("\"status\":\"would-bind\"") &&
			 !strcmp(driver_of(e), e->native) && !state_exists(e),
			 "dry_run_changes_nothing\n");

	rc = tool_run("bind %s", e->bdf);
	snprintf(prev, sizeof(prev), "\"previous_driver\":%s%s%s",
		 *e->native ? "\"" : "", *e->native ? e->native : "null",
		 *e->native ? "\"" : "");
	ksft_test_result(rc == 0 && has("\"status\":\"bound\"") && has(prev) &&
			 !strcmp(driver_of(e), "vfio-pci") &&
			 !strcmp(override_of(e), "vfio-pci") && state_exists(e),
			 "bind_e1000e_to_vfio_pci\n");

	dev_path(e, "iommu_group", path, sizeof(path));
	n = readlink(path, link, sizeof(link) - 1);
	link[n > 0 ? n : 0] = '\0';
	snprintf(group, sizeof(group), "/dev/vfio/%s", basename(link));
	ksft_test_result(n > 0 && !access(group, F_OK),
			 "group_chardev_exists\n");

	rc = tool_run("bind %s", e->bdf);
	ksft_test_result(rc == 0 && has("\"status\":\"already-bound\"") &&
			 !strcmp(driver_of(e), "vfio-pci"),
			 "second_bind_is_noop\n");

	rc = tool_run("restore %s", e->bdf);
	ksft_test_result(rc == 0 && has("\"status\":\"restored\"") &&
			 is_restored(e), "restore_e1000e\n");

	rc = tool_run("bind %s", NO_DEVICE);
	ksft_test_result(rc == 3 && has("no-such-device"),
			 "no_such_device_exit_3\n");
}

static bool group_viable(struct dev *d)
{
	struct vfio_group_status status = { .argsz = sizeof(status) };
	char path[PATH_MAX], link[PATH_MAX], dev[64];
	ssize_t n;
	int fd, ret;

	dev_path(d, "iommu_group", path, sizeof(path));
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return false;
	link[n] = '\0';
	snprintf(dev, sizeof(dev), "/dev/vfio/%.50s", basename(link));
	fd = open(dev, O_RDWR);
	if (fd < 0)
		return false;
	ret = ioctl(fd, VFIO_GROUP_GET_STATUS, &status);
	close(fd);
	return !ret && (status.flags & VFIO_GROUP_FLAGS_VIABLE);
}

static void test_group(struct dev *t, struct dev *e)
{
	char blocker[128];
	int rc;

	rc = tool_run("bind %s", t->bdf);
	snprintf(blocker, sizeof(blocker), "%s (%s)", e->bdf, e->native);
	ksft_test_result(rc == 5 && has("\"kind\":\"group-not-viable\"") &&
			 has(blocker) && is_restored(t) && is_restored(e),
			 "group_not_viable_exit_5\n");

	rc = tool_run("--group bind %s", t->bdf);
	ksft_test_result(rc == 0 && !strcmp(driver_of(t), "vfio-pci") &&
			 !strcmp(driver_of(e), "vfio-pci") &&
			 state_exists(t) && state_exists(e),
			 "group_option_moves_the_group\n");
	ksft_test_result(group_viable(t), "moved_group_is_viable\n");

	rc = tool_run("restore %s", t->bdf);
	ksft_test_result(rc == 0 && is_restored(t) && is_restored(e),
			 "restore_restores_the_group\n");
}

static void test_variant(struct dev *edu)
{
	const char *refuse = "/sys/module/vfio_test_driver/parameters/refuse_probe";
	char alias[PATH_MAX];
	int rc;

	rc = tool_run("list %s", edu->bdf);
	ksft_test_result(rc == 0 &&
			 has("\"rank\":1,\"module\":\"vfio_test_driver\"") &&
			 has("\"rank\":2,\"module\":\"vfio_pci\""),
			 "list_edu_ranks_test_driver_first\n");

	rc = tool_run("bind %s", edu->bdf);
	ksft_test_result(rc == 0 && !strcmp(driver_of(edu), "vfio-test-driver") &&
			 !access("/sys/module/vfio_test_driver", F_OK),
			 "bind_edu_loads_and_binds_test_driver\n");

	rc = tool_run("restore %s", edu->bdf);
	ksft_test_result(rc == 0 && is_restored(edu), "restore_edu\n");

	write_str(refuse, "1");
	rc = tool_run("bind %s", edu->bdf);
	ksft_test_result(rc == 0 && !strcmp(driver_of(edu), "vfio-pci") &&
			 attempt(0, "vfio_test_driver", "\"vfio-test-driver\"",
				 "probe-refused") &&
			 attempt(1, "vfio_pci", "\"vfio-pci\"", "bound"),
			 "refused_probe_falls_back_to_vfio_pci\n");
	rc = tool_run("restore %s", edu->bdf);
	ksft_test_result(rc == 0 && is_restored(edu),
			 "restore_after_fallback\n");

	rc = tool_run("--driver vfio_test_driver bind %s", edu->bdf);
	ksft_test_result(rc == 8 && has("\"kind\":\"probe-refused\"") &&
			 is_restored(edu), "forced_refused_driver_exit_8\n");
	write_str(refuse, "0");

	/* a more specific alias whose module does not exist */
	snprintf(alias, sizeof(alias), "%s/alias", TMP);
	sh("cp %s/modules.alias %s && echo 'alias %s vfio_missing_module' >>%s",
	   moddir, alias, "vfio_pci:v00001234d000011E8sv*sd*bc00sc*i*", alias);
	rc = tool_run("--alias-file %s bind %s", alias, edu->bdf);
	ksft_test_result(rc == 0 &&
			 attempt(0, "vfio_missing_module", "null",
				 "module-load-failed") &&
			 !strcmp(driver_of(edu), "vfio-test-driver"),
			 "missing_module_falls_back\n");
	tool_run("restore %s", edu->bdf);
	rc = tool_run("--alias-file %s --driver vfio_missing_module bind %s",
		      alias, edu->bdf);
	ksft_test_result(rc == 7 && is_restored(edu),
			 "forced_missing_module_exit_7\n");
}

int main(void)
{
	struct dev edu, e1000e, testdev, e1000;
	bool grouped, had_e1000e, had_e1000;
	const char *drv = getenv("VFIO_DRIVER");
	struct utsname uts;
	char self[PATH_MAX];
	ssize_t n;

	ksft_print_header();
	ksft_set_plan(20);

	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n < 0)
		ksft_exit_fail_msg("readlink /proc/self/exe: %s\n",
				   strerror(errno));
	self[n] = '\0';
	snprintf(repo, sizeof(repo), "%s/../../../..", dirname(self));
	snprintf(tool, sizeof(tool), "%s/tools/vfio/vfio-bind", repo);
	if (access(tool, X_OK))
		ksft_exit_fail_msg("%s is not built (make -C tools/vfio)\n",
				   tool);
	if (geteuid())
		ksft_exit_skip("needs root\n");
	if (!find_dev("0x8086", "0x10d3", &e1000e) ||
	    !find_dev("0x1234", "0x11e8", &edu))
		ksft_exit_skip("the VM's e1000e and edu devices are missing\n");

	uname(&uts);
	ours = !drv || strcmp(drv, "stock");
	sh("rm -rf %s; mkdir -p %s", TMP, STATE);
	if (!access(RUN_MODULE_DIR "/vfio_test_driver.ko", R_OK)) {
		snprintf(core_ko, sizeof(core_ko), "%s/vfio-pci-core.ko", RUN_MODULE_DIR);
		snprintf(pci_ko, sizeof(pci_ko), "%s/vfio-pci.ko", RUN_MODULE_DIR);
		snprintf(test_ko, sizeof(test_ko), "%s/vfio_test_driver.ko", RUN_MODULE_DIR);
	} else {
		snprintf(core_ko, sizeof(core_ko), "%s/drivers/vfio/pci/vfio-pci-core.ko", repo);
		snprintf(pci_ko, sizeof(pci_ko), "%s/drivers/vfio/pci/vfio-pci.ko", repo);
		snprintf(test_ko, sizeof(test_ko), "%s/%s", repo,
			 "tools/testing/selftests/vfio/vfio_test_driver/vfio_test_driver.ko");
	}
	if (ours && access(test_ko, R_OK))
		ksft_exit_fail_msg("%s is not built (make -C %s)\n", test_ko,
				   "tools/testing/selftests/vfio/vfio_test_driver");
	if (ours && !setup_module_tree(uts.release))
		ksft_exit_fail_msg("cannot build the module tree in %s\n", TMP);
	had_e1000e = module_loaded("e1000e");
	had_e1000 = module_loaded("e1000");
	save(&e1000e);
	save(&edu);
	grouped = find_grouped("0x1b36", "0x0005", "0x8086", "0x100e",
			       &testdev, &e1000);
	if (grouped) {
		save(&testdev);
		save(&e1000);
	}
	sh("modprobe e1000e >/dev/null 2>&1");
	go_native(&e1000e);
	go_native(&edu);
	if (grouped) {
		sh("modprobe e1000 >/dev/null 2>&1");
		go_native(&testdev);
		go_native(&e1000);
		grouped = *e1000.native;
	}

	test_generic(&e1000e);
	if (grouped) {
		test_group(&testdev, &e1000);
	} else {
		for (n = 0; n < 4; n++)
			ksft_test_result_skip("no pci-testdev grouped with a bound e1000\n");
	}
	if (ours) {
		test_variant(&edu);
	} else {
		for (n = 0; n < 8; n++)
			ksft_test_result_skip("test module needs our vfio-pci-core\n");
	}

	set_binding(&edu, "", "");
	sh("rmmod vfio_test_driver 2>/dev/null");
	set_binding(&edu, edu.driver, edu.override);
	set_binding(&e1000e, e1000e.driver, e1000e.override);
	if (*testdev.bdf) {
		set_binding(&testdev, testdev.driver, testdev.override);
		set_binding(&e1000, e1000.driver, e1000.override);
	}
	if (!had_e1000e)
		sh("rmmod e1000e 2>/dev/null");
	if (!had_e1000)
		sh("rmmod e1000 2>/dev/null");
	ksft_test_result(!strcmp(driver_of(&edu), edu.driver) &&
			 !strcmp(override_of(&edu), edu.override) &&
			 !strcmp(driver_of(&e1000e), e1000e.driver) &&
			 !strcmp(override_of(&e1000e), e1000e.override) &&
			 (!*testdev.bdf ||
			  (!strcmp(driver_of(&testdev), testdev.driver) &&
			   !strcmp(override_of(&testdev), testdev.override) &&
			   !strcmp(driver_of(&e1000), e1000.driver) &&
			   !strcmp(override_of(&e1000), e1000.override))) &&
			 !module_loaded("vfio_test_driver") &&
			 module_loaded("e1000e") == had_e1000e &&
			 module_loaded("e1000") == had_e1000,
			 "devices_back_as_found\n");
	sh("rm -rf %s", TMP);
	ksft_finished();
}
