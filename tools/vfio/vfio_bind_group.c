// SPDX-License-Identifier: GPL-2.0-only
/*
 * IOMMU group viability: VFIO can use a group only when every other device
 * in it is driverless or bound to a driver that cooperates with VFIO.
 */
#include <dirent.h>
#include <limits.h>
#include <unistd.h>

#include "vfio_bind.h"

/* Drivers that take DMA ownership cooperatively, so that VFIO can use a group */
static bool driver_is_viable(struct ctx *c, const char *driver)
{
	char path[PATH_MAX], mod[NAME_LEN];
	size_t i;

	if (!*driver || !strcmp(driver, "vfio-pci") ||
	    !strcmp(driver, "pci-stub") || !strcmp(driver, "pcieport"))
		return true;
	sys_path(c, path, sizeof(path), "bus/pci/drivers/%s/module", driver);
	if (link_name(path, mod, sizeof(mod)))
		return false;
	sys_path(c, path, sizeof(path), "module/vfio_pci_core/holders/%s", mod);
	if (!access(path, F_OK))
		return true;
	for (i = 0; i < c->db.count; i++)
		if (vfio_module_name_eq(c->db.aliases[i].module, mod))
			return true;
	return false;
}

/* Collects the other members of the group that a VFIO user would trip on. */
int group_blockers(struct ctx *c, const struct pci_dev *d,
		   char blockers[][32], unsigned int *nr,
		   char *desc, size_t desc_size)
{
	char path[PATH_MAX], drv[NAME_LEN];
	struct dirent *de;
	size_t len = 0;
	DIR *dir;

	*nr = 0;
	desc[0] = '\0';
	if (!*d->group)
		return fail(c, EX_NOGROUP,
			    "%s has no IOMMU group (is the IOMMU enabled, e.g. intel_iommu=on?)",
			    d->bdf);
	sys_path(c, path, sizeof(path), "kernel/iommu_groups/%s/devices",
		 d->group);
	dir = opendir(path);
	if (!dir)
		return fail(c, errno_code(errno), "cannot list %s: %s", path,
			    strerror(errno));
	while ((de = readdir(dir))) {
		if (de->d_name[0] == '.' || !strcmp(de->d_name, d->bdf))
			continue;
		sys_path(c, path, sizeof(path), "bus/pci/devices/%s/driver",
			 de->d_name);
		drv[0] = '\0';
		link_name(path, drv, sizeof(drv));
		if (driver_is_viable(c, drv) || *nr >= MAX_GROUP)
			continue;
		copy_str(blockers[*nr], 32, de->d_name);
		(*nr)++;
		if (len < desc_size)
			len += snprintf(desc + len, desc_size - len, "%s%s (%s)",
					len ? ", " : "", de->d_name, drv);
	}
	closedir(dir);
	return 0;
}
