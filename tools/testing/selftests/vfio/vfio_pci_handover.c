// SPDX-License-Identifier: GPL-2.0
/*
 * vfio_pci_handover - what a device looks like at every hand-over between
 * a VFIO driver and its user, and how two drivers compare there. Driven by
 * vfio_pci_handover_test.sh, which runs it under stock and under ours.
 *
 *   vfio_pci_handover snap BDF DIR
 *	BDF is bound to vfio-pci and was not opened since. Writes, for each
 *	point, DIR/POINT.power (sysfs power_state and runtime_status, read
 *	first: reading config space wakes the device), DIR/POINT.phys
 *	(config space as the PCI core reads it, sysfs "config") and, while
 *	the device is open, DIR/POINT.virt (the VFIO config region). The
 *	points: bound, open, reset (after VFIO_DEVICE_RESET, for devices
 *	that offer it), close, open2, close2.
 *
 *   vfio_pci_handover snapvf PF DIR TOKEN
 *	The same for the first VF of PF (bound to vfio-pci with
 *	enable_sriov set, no VFs yet): opens the PF with VF token TOKEN,
 *	creates one VF, walks it and removes it again.
 *
 *   vfio_pci_handover diff NAME ALLOW STOCKDIR OURSDIR
 *	Compares each file of STOCKDIR with its namesake in OURSDIR and
 *	prints one line per file, "pass|fail NAME POINT.VIEW", for the
 *	script to number as KTAP, after "#" lines with the details. Config
 *	differences are listed by register (named from the capability
 *	list: COMMAND, PCIe+0x08, SRIOV+0x08, ...); a difference fails
 *	the line unless a rule of ALLOW explains it. ALLOW lines are
 *	"VENDOR:DEVICE POINT VIEW REGISTER[/BITS] REASON...": the first
 *	four fields are shell patterns, REGISTER names one byte the way the
 *	differences are listed ("COMMAND+1" is the high byte of COMMAND,
 *	"PCIe+0x08" the byte at 8 in the PCIe capability), BITS the bits of
 *	that byte the rule covers (all by default); '#' starts a comment.
 */
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <linux/pci_regs.h>

#include "kselftest.h"
#include "lib/vfio_util.h"

#define CFG_MAX		4096
#define MAX_RULES	256

static const char *const points[] = {
	"bound", "open", "reset", "close", "open2", "close2", "native",
};

static const char *const views[] = { "power", "phys", "virt" };

/* --- snap ------------------------------------------------------------- */

static int write_file(const char *dir, const char *point, const char *view,
		      const void *buf, size_t len)
{
	char path[512];
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), "%s/%s.%s", dir, point, view);
	f = fopen(path, "w");
	if (!f)
		return -errno;
	ok = fwrite(buf, 1, len, f) == len;
	return fclose(f) == 0 && ok ? 0 : -EIO;
}

/* A small text file into @buf, NUL-terminated: its length or -errno. */
static int read_all_str(const char *path, char *buf, size_t size)
{
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	if (n < 0)
		n = -errno;
	else
		buf[n] = 0;
	close(fd);
	return n;
}

/*
 * Wait up to two seconds for runtime PM to settle (the device is idle and
 * drivers suspend it after their own delays), then record power_state
 * and runtime_status.
 */
static int snap_power(const char *bdf, const char *dir, const char *point,
		      bool idle)
{
	struct timespec ts = { 0, 20 * 1000 * 1000 };
	char state[32] = "", status[32] = "", text[80];
	int i;

	/* Devices stay in D0 while idle: nothing to wait for. */
	if (read_all_str("/sys/module/vfio_pci/parameters/disable_idle_d3",
			 text, sizeof(text)) > 0 && text[0] == 'Y')
		idle = false;
	for (i = 0; i < 100; i++) {
		if (vfio_sysfs_read(bdf, "power/runtime_status", status,
				    sizeof(status)) < 0)
			strcpy(status, "?");
		if (!idle || (strcmp(status, "active") &&
			      strcmp(status, "suspending")))
			break;
		nanosleep(&ts, NULL);
	}
	if (vfio_sysfs_read(bdf, "power_state", state, sizeof(state)) < 0)
		strcpy(state, "?");
	snprintf(text, sizeof(text), "%s %s\n", state, status);
	return write_file(dir, point, "power", text, strlen(text));
}

/* The device's config space as the PCI core reads it: all that reads. */
static int snap_phys(const char *bdf, const char *dir, const char *point)
{
	unsigned char buf[CFG_MAX];
	int n = vfio_sysfs_config_dump(bdf, buf, sizeof(buf));

	return n < 0 ? n : write_file(dir, point, "phys", buf, n);
}

static int snap_virt(const struct vfio_dev *dev, const char *dir,
		     const char *point)
{
	unsigned char buf[CFG_MAX];
	size_t len = dev->regions[VFIO_PCI_CONFIG_REGION_INDEX].size;
	int ret;

	if (len > sizeof(buf))
		len = sizeof(buf);
	ret = vfio_cfg_read(dev, 0, buf, len);
	return ret ? ret : write_file(dir, point, "virt", buf, len);
}

/* One point: power first, then physical, then (open) virtual config. */
static int snap_point(const char *bdf, const struct vfio_dev *dev,
		      const char *dir, const char *point)
{
	int ret;

	ret = snap_power(bdf, dir, point, !dev);
	if (!ret)
		ret = snap_phys(bdf, dir, point);
	if (!ret && dev)
		ret = snap_virt(dev, dir, point);
	if (ret)
		fprintf(stderr, "# %s %s: %s\n", bdf, point, strerror(-ret));
	return ret;
}

static int snap(const char *bdf, const char *dir, const char *token)
{
	struct vfio_dev dev;
	int ret;

	if (mkdir(dir, 0755) && errno != EEXIST) {
		perror(dir);
		return 1;
	}
	if (snap_point(bdf, NULL, dir, "bound"))
		return 1;

	ret = vfio_open_token(&dev, bdf, token);
	if (!ret)
		ret = snap_point(bdf, &dev, dir, "open");
	if (!ret && (dev.info.flags & VFIO_DEVICE_FLAGS_RESET)) {
		if (ioctl(dev.fd, VFIO_DEVICE_RESET))
			fprintf(stderr, "# %s: VFIO_DEVICE_RESET: %s\n", bdf,
				strerror(errno));
		else
			ret = snap_point(bdf, &dev, dir, "reset");
	}
	vfio_close(&dev);
	if (!ret)
		ret = snap_point(bdf, NULL, dir, "close");

	if (!ret)
		ret = vfio_open_token(&dev, bdf, token);
	if (!ret)
		ret = snap_point(bdf, &dev, dir, "open2");
	vfio_close(&dev);
	if (!ret)
		ret = snap_point(bdf, NULL, dir, "close2");
	return ret ? 1 : 0;
}

/*
 * The first VF of @pf: the PF is opened with @token (and held open, as its
 * close would reset it under the VF), one VF is created, walked like any
 * device and removed again.
 */
static int snap_vf(const char *pf, const char *dir, const char *token)
{
	char link[PATH_MAX], target[PATH_MAX], vf[VFIO_BDF_LEN];
	struct vfio_dev pfdev;
	ssize_t n;
	int ret;

	ret = vfio_open_token(&pfdev, pf, token);
	if (ret)
		return 1;
	ret = vfio_sysfs_write(pf, "sriov_numvfs", "1");
	if (ret) {
		fprintf(stderr, "# %s: sriov_numvfs: %s\n", pf, strerror(-ret));
		vfio_close(&pfdev);
		return 1;
	}
	snprintf(link, sizeof(link), "/sys/bus/pci/devices/%s/virtfn0", pf);
	n = readlink(link, target, sizeof(target) - 1);
	if (n > 0) {
		target[n] = 0;
		snprintf(vf, sizeof(vf), "%s", basename(target));
		ret = snap(vf, dir, token);
	} else {
		fprintf(stderr, "# %s: no VF\n", pf);
		ret = 1;
	}
	vfio_sysfs_write(pf, "sriov_numvfs", "0");
	vfio_close(&pfdev);
	return ret;
}

/* --- diff ------------------------------------------------------------- */

struct rule {
	char id[16];
	char point[16];
	char view[8];
	char reg[32];
	unsigned int bits;	/* of the byte that may differ */
	char *why;
};

static struct rule rules[MAX_RULES];
static unsigned int nrules;

static int load_rules(const char *path)
{
	char line[512], *p;
	FILE *f = fopen(path, "r");
	struct rule *r;
	int n;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		p = line + strspn(line, " \t");
		if (*p == '#' || *p == '\n' || !*p)
			continue;
		if (nrules == MAX_RULES) {
			fclose(f);
			return -E2BIG;
		}
		r = &rules[nrules];
		if (sscanf(p, "%15s %15s %7s %31s %n", r->id, r->point, r->view,
			   r->reg, &n) < 4) {
			fprintf(stderr, "# %s: bad rule: %s", path, p);
			fclose(f);
			return -EINVAL;
		}
		r->why = strdup(p + n);
		r->why[strcspn(r->why, "\n")] = 0;
		r->bits = 0xff;
		p = strchr(r->reg, '/');
		if (p) {
			*p = 0;
			r->bits = strtoul(p + 1, NULL, 0);
		}
		nrules++;
	}
	fclose(f);
	return 0;
}

/* The first rule that explains bits @diff of register byte @reg. */
static const struct rule *find_rule(const char *id, const char *point,
				    const char *view, const char *reg,
				    unsigned int diff)
{
	unsigned int i;

	for (i = 0; i < nrules; i++) {
		const struct rule *r = &rules[i];

		if (!fnmatch(r->id, id, 0) && !fnmatch(r->point, point, 0) &&
		    !fnmatch(r->view, view, 0) && !fnmatch(r->reg, reg, 0) &&
		    !(diff & ~r->bits))
			return r;
	}
	return NULL;
}

static const char *cap_name(unsigned int id)
{
	switch (id) {
	case PCI_CAP_ID_PM: return "PM";
	case PCI_CAP_ID_MSI: return "MSI";
	case PCI_CAP_ID_VNDR: return "VNDR";
	case PCI_CAP_ID_EXP: return "PCIe";
	case PCI_CAP_ID_MSIX: return "MSIX";
	default: return NULL;
	}
}

static const char *ecap_name(unsigned int id)
{
	switch (id) {
	case PCI_EXT_CAP_ID_ERR: return "AER";
	case PCI_EXT_CAP_ID_SRIOV: return "SRIOV";
	case PCI_EXT_CAP_ID_ARI: return "ARI";
	case PCI_EXT_CAP_ID_DSN: return "DSN";
	case PCI_EXT_CAP_ID_ATS: return "ATS";
	default: return NULL;
	}
}

static const struct { unsigned int off, len; const char *name; } hdr[] = {
	{ 0x00, 2, "VENDOR" }, { 0x02, 2, "DEVICE" }, { 0x04, 2, "COMMAND" },
	{ 0x06, 2, "STATUS" }, { 0x08, 4, "CLASS_REV" },
	{ 0x0c, 1, "CACHE_LINE" }, { 0x0d, 1, "LATENCY" },
	{ 0x0e, 1, "HEADER_TYPE" }, { 0x0f, 1, "BIST" },
	{ 0x10, 24, "BAR" }, { 0x28, 4, "CARDBUS" },
	{ 0x2c, 4, "SUBSYSTEM" }, { 0x30, 4, "ROM" },
	{ 0x34, 1, "CAP_PTR" }, { 0x35, 7, "RESERVED" },
	{ 0x3c, 1, "INT_LINE" }, { 0x3d, 1, "INT_PIN" },
	{ 0x3e, 2, "MIN_GNT_MAX_LAT" },
};

/* "NAME+0xREL", or "KIND0xID+0xREL" for a capability without a name. */
static void cap_label(char *buf, size_t size, const char *name,
		      const char *kind, unsigned int id, unsigned int rel)
{
	if (name)
		snprintf(buf, size, "%s+0x%02x", name, rel);
	else
		snprintf(buf, size, "%s0x%x+0x%02x", kind, id, rel);
}

/*
 * Name the register byte at @off from the capability lists of @cfg (@len
 * bytes): "COMMAND", "COMMAND+1", "PCIe+0x08", "SRIOV+0x08",
 * "cap0x13+0x02", "ecap0xb+0x04", or the offset where no capability
 * holds it.
 */
static void reg_name(const unsigned char *cfg, size_t len, unsigned int off,
		     char *buf, size_t size)
{
	unsigned int pos, next, id, end, i, hops = 0;

	if (off < 0x40) {
		for (i = 0; i < ARRAY_SIZE(hdr); i++) {
			if (off < hdr[i].off || off >= hdr[i].off + hdr[i].len)
				continue;
			if (off == hdr[i].off || hdr[i].len > 4)
				snprintf(buf, size, "%s", hdr[i].name);
			else
				snprintf(buf, size, "%s+%u", hdr[i].name,
					 off - hdr[i].off);
			return;
		}
	}
	/* Each capability ends where the next one (by address) starts. */
	pos = cfg[PCI_CAPABILITY_LIST] & ~3u;
	while (off < 0x100 && pos >= 0x40 && pos < 0x100 && hops++ < 48) {
		end = 0x100;
		for (next = cfg[PCI_CAPABILITY_LIST] & ~3u, i = 0;
		     next >= 0x40 && next < 0x100 && i < 48;
		     next = cfg[next + 1] & ~3u, i++)
			if (next > pos && next < end)
				end = next;
		if (off >= pos && off < end) {
			cap_label(buf, size, cap_name(cfg[pos]), "cap",
				  cfg[pos], off - pos);
			return;
		}
		pos = cfg[pos + 1] & ~3u;
	}
	for (pos = 0x100, hops = 0; off >= 0x100 && pos >= 0x100 &&
	     pos + 4 <= len && hops++ < 512; pos = next) {
		uint32_t h = cfg[pos] | cfg[pos + 1] << 8 | cfg[pos + 2] << 16 |
			     (uint32_t)cfg[pos + 3] << 24;

		next = PCI_EXT_CAP_NEXT(h);
		end = next > pos ? next : len;
		if (!h || h == ~0u)
			break;
		if (off >= pos && off < end) {
			id = PCI_EXT_CAP_ID(h);
			cap_label(buf, size, ecap_name(id), "ecap", id,
				  off - pos);
			return;
		}
		if (next <= pos)
			break;
	}
	snprintf(buf, size, "0x%03x", off);
}

static ssize_t read_all(const char *path, unsigned char *buf, size_t size)
{
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	n = read(fd, buf, size);
	if (n < 0)
		n = -errno;
	close(fd);
	return n;
}

/*
 * Compare one file; print the differences as "#" lines. Returns the number
 * of unexplained differences, or -1 when a file is missing from one side
 * only (0 when missing from both).
 */
static int diff_file(const char *id, const char *point, const char *view,
		     const char *sdir, const char *odir)
{
	static unsigned char s[CFG_MAX], o[CFG_MAX];
	char spath[512], opath[512], reg[32], last[32] = "";
	const struct rule *r;
	ssize_t sn, on;
	size_t off, len;
	int bad = 0;

	snprintf(spath, sizeof(spath), "%s/%s.%s", sdir, point, view);
	snprintf(opath, sizeof(opath), "%s/%s.%s", odir, point, view);
	sn = read_all(spath, s, sizeof(s));
	on = read_all(opath, o, sizeof(o));
	if (sn < 0 && on < 0)
		return 0;
	if (sn < 0 || on < 0) {
		printf("# %s.%s: only %s has it\n", point, view,
		       sn < 0 ? "ours" : "stock");
		return -1;
	}

	if (!strcmp(view, "power")) {
		if (sn == on && !memcmp(s, o, sn))
			return 0;
		r = find_rule(id, point, view, "*", 0);
		printf("# %s.power: stock %.*s, ours %.*s%s%s\n", point,
		       (int)strcspn((char *)s, "\n"), s,
		       (int)strcspn((char *)o, "\n"), o,
		       r ? " -- explained: " : "", r ? r->why : "");
		return r ? 0 : 1;
	}

	if (sn != on) {
		printf("# %s.%s: stock reads %zd bytes, ours %zd\n", point, view,
		       sn, on);
		bad++;
	}
	len = sn < on ? sn : on;
	for (off = 0; off < len; off++) {
		if (s[off] == o[off])
			continue;
		reg_name(s, len, off, reg, sizeof(reg));
		r = find_rule(id, point, view, reg, s[off] ^ o[off]);
		printf("# %s.%s 0x%03zx %s: stock 0x%02x, ours 0x%02x%s\n",
		       point, view, off, reg, s[off], o[off],
		       r ? " -- explained" : "");
		if (r && strcmp(reg, last))
			printf("#   (%s)\n", r->why);
		snprintf(last, sizeof(last), "%s", reg);
		bad += !r;
	}
	return bad;
}

static int diff(const char *name, const char *allow, const char *sdir,
		const char *odir)
{
	unsigned char idbuf[4];
	char path[512], id[16];
	unsigned int p, v;
	int ret, failed = 0;

	ret = load_rules(allow);
	if (ret) {
		printf("fail %s # cannot load %s: %s\n", name, allow,
		       strerror(-ret));
		return 1;
	}
	snprintf(path, sizeof(path), "%s/bound.phys", sdir);
	if (read_all(path, idbuf, sizeof(idbuf)) != sizeof(idbuf)) {
		printf("fail %s # no snapshot of the bound device\n", name);
		return 1;
	}
	snprintf(id, sizeof(id), "%04x:%04x", idbuf[0] | idbuf[1] << 8,
		 idbuf[2] | idbuf[3] << 8);

	for (p = 0; p < ARRAY_SIZE(points); p++) {
		for (v = 0; v < ARRAY_SIZE(views); v++) {
			ret = diff_file(id, points[p], views[v], sdir, odir);
			snprintf(path, sizeof(path), "%s/%s.%s", sdir,
				 points[p], views[v]);
			if (!ret && access(path, F_OK))
				continue;
			printf("%s %s %s.%s\n", ret ? "fail" : "pass", name,
			       points[p], views[v]);
			failed |= ret != 0;
		}
	}
	return failed;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "snap"))
		return snap(argv[2], argv[3], NULL);
	if (argc == 5 && !strcmp(argv[1], "snapvf"))
		return snap_vf(argv[2], argv[3], argv[4]);
	if (argc == 6 && !strcmp(argv[1], "diff"))
		return diff(argv[2], argv[3], argv[4], argv[5]);
	fprintf(stderr, "usage: %s snap BDF DIR\n"
		"       %s snapvf PF DIR TOKEN\n"
		"       %s diff NAME ALLOW STOCKDIR OURSDIR\n", argv[0],
		argv[0], argv[0]);
	return 2;
}
