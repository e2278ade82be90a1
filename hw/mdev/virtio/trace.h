#include "trace/trace-hw_mdev.h"
