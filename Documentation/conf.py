# SPDX-License-Identifier: GPL-2.0-only
#
# Sphinx configuration of the VFIO PCI documentation. The kernel-doc
# extension and scripts/kernel-doc come from a Linux 6.1 source tree
# (KSRC, passed in by the Makefile); the sources documented are ours
# (KDOC_SRCTREE, the top of this repository).

import os
import sys

ksrc = os.environ['KSRC']
sys.path.insert(0, os.path.join(ksrc, 'Documentation', 'sphinx'))

project = 'VFIO PCI'
copyright = 'The Linux kernel authors'
master_doc = 'index'
exclude_patterns = ['output']

extensions = ['kerneldoc']
kerneldoc_bin = os.path.join(ksrc, 'scripts', 'kernel-doc')
kerneldoc_srctree = os.environ['KDOC_SRCTREE']

primary_domain = 'c'
highlight_language = 'none'

# Kernel annotations the Sphinx C parser does not know.
c_id_attributes = [
    '__iomem', '__user', '__kernel', '__rcu', '__percpu', '__must_check',
    '__printf', '__always_unused', '__maybe_unused', 'noinline',
]

html_theme = 'alabaster'
