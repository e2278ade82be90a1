/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * TEMPORARY: the gpio sample's C entry points for its throwaway QOM glue
 * (gpio_tmpglue.c), until the generic glue replaces per-sample glue.
 */
#ifndef HW_MDEV_SAMPLES_GPIO_TMPGLUE_H
#define HW_MDEV_SAMPLES_GPIO_TMPGLUE_H

#include <stdint.h>
#include "hw/mdev/mdev.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The layout of mdev::samples::GpioRegs (checked in gpio_tmpglue_capi.cpp). */
typedef struct GpioTmpRegs {
    uint16_t out;
    uint8_t irq_enabled;
    uint8_t irq_status;
    uint8_t filters_on;
    uint8_t filter_mask;
} GpioTmpRegs;

void mdev_gpio_register(void);
GpioTmpRegs *mdev_gpio_regs(MdevHandle *h);
bool mdev_gpio_post_load(MdevHandle *h);

#ifdef __cplusplus
}
#endif

#endif
