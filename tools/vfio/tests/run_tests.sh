#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Host-side tests of vfio-bind: the alias unit tests, then the command
# line against a fake sysfs tree (VFIO_BIND_SYSFS), where nothing the tool
# writes can reach a real device. Prints KTAP, ends with "N passed, N failed".

cd "$(dirname "$0")/.." || exit 1
TOOL=$PWD/vfio-bind
PY=/usr/bin/python3
passed=0
failed=0

echo "KTAP version 1"
echo "1..2"

out=$(./tests/alias_test)
rc=$?
sed 's/^/    /' <<<"$out"
passed=$((passed + $(grep -c '^ok ' <<<"$out")))
failed=$((failed + $(grep -c '^not ok ' <<<"$out")))
if [ $rc -eq 0 ]; then echo "ok 1 alias_test"; else echo "not ok 1 alias_test"; fi

T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
S=$T/sys
n=0
cli_failed=0

t() {	# t NAME COND...
	local name=$1
	shift
	n=$((n + 1))
	if "$@"; then
		echo "    ok $n $name"
		passed=$((passed + 1))
	else
		echo "    # output: $(head -c 600 "$T/out") $(head -c 600 "$T/err")"
		echo "    not ok $n $name"
		failed=$((failed + 1))
		cli_failed=1
	fi
}

# run ARGS...: runs the tool, leaving the status in $rc
run() {
	VFIO_BIND_SYSFS=$S VFIO_BIND_STATE_DIR=$T/state \
		VFIO_BIND_MODULE_DIR=$T/moddir "$TOOL" "$@" >"$T/out" 2>"$T/err"
	rc=$?
}

json() {	# json EXPR: evaluates EXPR on the JSON output as 'j'
	$PY -c "import json,sys; j=json.load(open('$T/out')); sys.exit(0 if ($1) else 1)"
}

mkdev() {	# mkdev BDF MODALIAS GROUP [DRIVER]
	local d=$S/devices/pci0000:00/$1
	mkdir -p "$d" "$S/bus/pci/devices" "$S/kernel/iommu_groups/$3/devices"
	echo "$2" >"$d/modalias"
	echo "(null)" >"$d/driver_override"
	ln -s "$d" "$S/bus/pci/devices/$1"
	ln -s "$S/kernel/iommu_groups/$3" "$d/iommu_group"
	ln -s "$d" "$S/kernel/iommu_groups/$3/devices/$1"
	[ -n "$4" ] && ln -s "$S/bus/pci/drivers/$4" "$d/driver"
	true
}

mkdrv() {	# mkdrv DRIVER MODULE
	mkdir -p "$S/bus/pci/drivers/$1" "$S/module/$2/drivers"
	touch "$S/bus/pci/drivers/$1/bind" "$S/bus/pci/drivers/$1/unbind"
	echo live >"$S/module/$2/initstate"
	ln -s "$S/module/$2" "$S/bus/pci/drivers/$1/module"
	ln -s "$S/bus/pci/drivers/$1" "$S/module/$2/drivers/pci:$1"
}

EDU=pci:v00001234d000011E8sv00001AF4sd00001100bc00scFFi00
E1K=pci:v00008086d000010D3sv00008086sd00000000bc02sc00i00
mkdir -p "$S/bus/pci" "$T/moddir"
touch "$S/bus/pci/drivers_probe"
mkdrv vfio-pci vfio_pci
mkdrv e1000e e1000e
mkdev 0000:00:02.0 $EDU 1
mkdev 0000:00:03.0 $E1K 2 e1000e
mkdev 0000:00:04.0 $E1K 3 e1000e
mkdev 0000:00:04.1 $E1K 3 e1000e
mkdev 0000:00:05.0 $EDU 4 vfio-pci
mkdev 0000:00:06.0 $EDU ""
rm "$S/devices/pci0000:00/0000:00:06.0/iommu_group"
cat >"$T/alias" <<'EOA'
alias pci:v00008086d000010D3sv*sd*bc*sc*i* e1000e
alias vfio_pci:v*d*sv*sd*bc*sc*i* vfio_pci
alias vfio_pci:v00001234d000011E8sv*sd*bc*sc*i* vfio_test_driver
alias vfio_pci:v00001234d*sv*sd*bc*sc*i* vfio_missing
this line is malformed
EOA
A=(--alias-file "$T/alias")
echo "    KTAP version 1"

run "${A[@]}" list 0000:00:02.0
t list_text_ranks_and_marks_choice \
	grep -q '^\*  1\. vfio_test_driver' "$T/out"
t list_text_order grep -q '^   3\. vfio_pci ' "$T/out"
t list_warns_about_malformed_line grep -q '1 malformed line(s) ignored, first at line 5' "$T/err"
run "${A[@]}" --json list 00:02.0
t list_json json "j['candidates'][0]['module']=='vfio_test_driver' and j['candidates'][0]['chosen'] and [c['module'] for c in j['candidates']]==['vfio_test_driver','vfio_missing','vfio_pci'] and j['candidates'][2]['wildcards']==7 and j['malformed_lines']==1 and j['device']=='0000:00:02.0'"
run "${A[@]}" list 0000:00:03.0
t list_only_generic_for_e1000e grep -q '^\*  1\. vfio_pci ' "$T/out"

# Debian's own modules.alias: parsed without a malformed line, and only
# the generic vfio_pci offers itself for an e1000e.
real=/lib/modules/6.1.0-56-amd64/modules.alias
if [ -r $real ]; then
	run --json --alias-file $real list 0000:00:03.0
	t debian_modules_alias json "j['malformed_lines']==0 and [c['module'] for c in j['candidates']]==['vfio_pci']"
fi

run "${A[@]}" list 0000:01:00.0
t no_such_device_exit_3 [ $rc -eq 3 ]
t no_such_device_message grep -q 'no such PCI device: 0000:01:00.0' "$T/err"
run "${A[@]}" bind nonsense
t bad_address_exit_2 [ $rc -eq 2 ]
run list
t usage_exit_2 [ $rc -eq 2 ]
run --alias-file "$T/none" list 0000:00:02.0
t missing_alias_file_exit_1 [ $rc -eq 1 ]
run "${A[@]}" bind 0000:00:06.0 --dry-run
t no_iommu_group_exit_4 [ $rc -eq 4 ]

cp "$S/devices/pci0000:00/0000:00:03.0/driver_override" "$T/ovr.before"
run "${A[@]}" --dry-run bind 0000:00:03.0
t dry_run_bind_exit_0 [ $rc -eq 0 ]
t dry_run_says_what grep -q "would write 'vfio-pci' to .*0000:00:03.0/driver_override" "$T/out"
t dry_run_unbinds_first grep -q "would write '0000:00:03.0' to .*driver/unbind" "$T/out"
t dry_run_changes_nothing cmp -s "$T/ovr.before" "$S/devices/pci0000:00/0000:00:03.0/driver_override"
t dry_run_no_state_file [ ! -e "$T/state/0000:00:03.0" ]
run "${A[@]}" --dry-run --json bind 0000:00:03.0
t dry_run_json json "j['status']=='would-bind' and j['driver']=='vfio-pci' and j['previous_driver']=='e1000e' and j['dry_run'] and j['exit_code']==0"

run "${A[@]}" --dry-run bind 0000:00:04.0
t group_not_viable_exit_5 [ $rc -eq 5 ]
t group_not_viable_names_blocker grep -q '0000:00:04.1 (e1000e)' "$T/err"
run "${A[@]}" --dry-run --group bind 0000:00:04.0
t group_move_dry_run [ $rc -eq 0 ] && grep -q 'moving 0000:00:04.1' "$T/out"
run "${A[@]}" --json --dry-run --group bind 0000:00:04.0
t group_move_json json "j['moved']==['0000:00:04.1'] and [a['device'] for a in j['attempts']]==['0000:00:04.1','0000:00:04.0'] and not any('falling back' in m for m in j['messages'])"

cat >"$T/alias2" <<'EOA'
alias vfio_pci:v00001234d*sv*sd*bc*sc*i* vfio_edu_only
EOA
run --alias-file "$T/alias2" --dry-run bind 0000:00:03.0
t no_matching_driver_exit_6 [ $rc -eq 6 ]
run "${A[@]}" --dry-run --driver nosuch bind 0000:00:03.0
t driver_option_no_match_exit_6 [ $rc -eq 6 ]
run "${A[@]}" --json --driver vfio-pci --dry-run bind 0000:00:02.0
t driver_option_selects json "j['driver']=='vfio-pci' and j['module']=='vfio_pci'"

run "${A[@]}" --driver vfio_pci bind 0000:00:05.0
t already_bound_is_noop [ $rc -eq 0 ] && grep -q 'already bound to vfio-pci' "$T/out"

# Real (non dry-run) bind on the fake tree: the fake driver link never
# changes, so every candidate "refuses" and the tool must fall back,
# down to vfio_pci, then put the device back and forget its state.
run "${A[@]}" --json bind 0000:00:02.0
t fallback_all_refused_exit_8 [ $rc -eq 8 ]
t fallback_attempt_order json "[(a['module'],a['result']) for a in j['attempts']]==[('vfio_test_driver','module-load-failed'),('vfio_missing','module-load-failed'),('vfio_pci','probe-refused')] and j['error']['kind']=='probe-refused'"
t fallback_wrote_override [ "$(cat "$S/devices/pci0000:00/0000:00:02.0/driver_override")" = "$(printf '\n')" ]
t fallback_probed [ "$(cat "$S/bus/pci/drivers_probe")" = 0000:00:02.0 ]
t fallback_state_removed [ ! -e "$T/state/0000:00:02.0" ]
run "${A[@]}" --driver vfio_test_driver bind 0000:00:02.0
t module_load_failure_exit_7 [ $rc -eq 7 ] && grep -q 'module vfio_test_driver failed to load' "$T/out"

run "${A[@]}" restore 0000:00:03.0
t restore_without_state_noop [ $rc -eq 0 ] && grep -q 'nothing to do' "$T/out"

mkdir -p "$T/state"
printf 'driver=e1000e\noverride=\nbound=vfio-pci\nmodule=vfio_pci\n' >"$T/state/0000:00:05.0"
run --json --dry-run restore 0000:00:05.0
t restore_dry_run json "j['status']=='would-restore' and j['previous_driver']=='e1000e' and any('drivers/e1000e/bind' in m for m in j['messages'])"
t restore_dry_run_keeps_state [ -e "$T/state/0000:00:05.0" ]

if command -v setpriv >/dev/null && [ "$(id -u)" = 0 ]; then
	chmod -R a+rX "$T"
	chmod 444 "$S/devices/pci0000:00/0000:00:03.0/driver_override"
	VFIO_BIND_SYSFS=$S VFIO_BIND_STATE_DIR=$T/state setpriv --reuid=65534 \
		--regid=65534 --clear-groups "$TOOL" "${A[@]}" bind 0000:00:03.0 \
		>"$T/out" 2>"$T/err"
	rc=$?
	t permission_denied_exit_9 [ $rc -eq 9 ] && grep -q 'Permission denied' "$T/err"
fi

# The documentation tracks the interface.
opts=$("$TOOL" --help | grep -o -- '--[a-z-]*' | sort -u)
missing=
for o in $opts; do
	grep -qF -- "${o//-/\\-}" vfio-bind.8 || missing="$missing $o"
done
echo "$missing" >"$T/out"
t man_page_documents_every_option [ -z "$missing" ]
if command -v man >/dev/null; then
	man --warnings -l vfio-bind.8 >/dev/null 2>"$T/err"
	t man_page_renders_without_warnings [ ! -s "$T/err" ]
fi
bash -n vfio-bind.bash-completion 2>"$T/err"
t bash_completion_parses [ $? -eq 0 ]

complete_words() {	# complete_words WORD...: what completing the last word offers
	VFIO_BIND_ALIAS_FILE=$T/alias bash -c '
		source ./vfio-bind.bash-completion
		COMP_WORDS=("$@")
		COMP_CWORD=$(($# - 1))
		_vfio_bind
		echo "${COMPREPLY[*]}"' vfio-bind "$@" 2>"$T/err"
}
t completion_commands [ "$(complete_words vfio-bind b)" = bind ]
t completion_options [ "$(complete_words vfio-bind --dr)" = "--driver --dry-run" ]
t completion_drivers [ "$(complete_words vfio-bind bind --driver vfio_)" = "vfio_missing vfio_pci vfio_test_driver" ]

echo "    1..$n"
if [ $cli_failed -eq 0 ]; then echo "ok 2 cli_test"; else echo "not ok 2 cli_test"; fi
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
