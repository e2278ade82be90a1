#include "trace/trace-hw_mdev_qemu.h"
