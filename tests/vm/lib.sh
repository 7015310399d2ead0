# shellcheck shell=bash
# shellcheck disable=SC2034 # the variables are used by the sourcing scripts
# Shared by tests/vm/setup and tests/vm/run-in-vm (sourced, not executed).
#
# Everything both scripts must agree on lives here: where the cache is, which
# kernel modules go into the initramfs, and how we decide that a cached
# initramfs is still the one the current sources would build.

CGW_VM_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CGW_VM_CACHE=${CGW_VM_CACHE:-/var/cache/cgwarden-vm}

# Host packages the lane needs: command to test for -> Debian package.
# busybox must be the *static* build: the initramfs has no libc.
declare -A CGW_VM_HOST_CMDS=(
    [qemu-system-x86_64]=qemu-system-x86
    [cpio]=cpio
    [busybox]=busybox-static
)

# Modules the guest needs to reach the host over virtio-9p and to give the
# command a virtio-serial port for its output (virtio_console drives both). This is the insmod order
# from shared/notes/cgroup-v2-vm.md plus virtio_console; setup still resolves
# each module's "depends=" so a future kernel that adds a dependency gets it
# loaded first, and skips anything that kernel has built in.
CGW_VM_MODULES=(virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev
                virtio_pci netfs fscache 9pnet 9pnet_virtio 9p virtio_console)

# Bump when the initramfs layout changes in a way the inputs below miss.
CGW_VM_FORMAT=1

# The kernel release ("6.1.0-56-amd64") the cache was built for, or "".
cgw_vm_kernel_release() {
    cat "$CGW_VM_CACHE/kernel.release" 2>/dev/null || true
}

# A fingerprint of everything the initramfs is built from. setup writes it
# next to the image; run-in-vm compares, so editing guest-init (or a new
# busybox) makes the next run rebuild instead of booting a stale init.
cgw_vm_stamp() {
    local kver=$1
    {
        echo "format $CGW_VM_FORMAT"
        echo "kernel $kver"
        echo "modules ${CGW_VM_MODULES[*]}"
        sha256sum <"$CGW_VM_DIR/guest-init"
        sha256sum <"$(command -v busybox)"
    } | sha256sum | cut -d' ' -f1
}

# True when kernel + initramfs are cached and the initramfs is current.
cgw_vm_cache_ready() {
    local kver
    kver=$(cgw_vm_kernel_release)
    [[ -n $kver ]] || return 1
    [[ -s $CGW_VM_CACHE/vmlinuz-$kver ]] || return 1
    [[ -s $CGW_VM_CACHE/initramfs.cpio.gz ]] || return 1
    command -v busybox >/dev/null || return 1
    [[ $(cat "$CGW_VM_CACHE/initramfs.stamp" 2>/dev/null) == "$(cgw_vm_stamp "$kver")" ]]
}

# --- the systemd lane (run-in-vm --systemd) -----------------------------------
# It boots the same kernel with the base initramfs above plus a small second
# archive appended to it (the kernel unpacks concatenated archives in order):
# guest-init-systemd as /init-systemd and these modules. The base initramfs
# and its stamp are not touched, so both lanes share the cache.
CGW_VM_SYSTEMD_MODULES=(overlay autofs4)
CGW_VM_SYSTEMD_FORMAT=1

cgw_vm_systemd_stamp() {
    local kver=$1
    {
        echo "systemd-format $CGW_VM_SYSTEMD_FORMAT"
        echo "kernel $kver"
        echo "modules ${CGW_VM_SYSTEMD_MODULES[*]}"
        sha256sum <"$CGW_VM_DIR/guest-init-systemd"
    } | sha256sum | cut -d' ' -f1
}

# True when the base cache is ready and the systemd archive is current.
cgw_vm_systemd_ready() {
    local kver
    cgw_vm_cache_ready || return 1
    kver=$(cgw_vm_kernel_release)
    [[ -s $CGW_VM_CACHE/initramfs-systemd.cpio.gz ]] || return 1
    [[ $(cat "$CGW_VM_CACHE/initramfs-systemd.stamp" 2>/dev/null) == "$(cgw_vm_systemd_stamp "$kver")" ]]
}
