/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * qemu-mdev: -device mdev-mvnet,class=virtio[,mac=...], the QOM type of the
 * mvnet sample parent (a virtio-net device looping its frames back). The
 * device logic is in mvnet*.cpp; this file names the parent, carries the
 * station address from the "mac" property to the device, and describes the
 * device's state for migration.
 */
#include "qemu/osdep.h"
#include "qapi/error.h"
#include "hw/qdev-properties.h"
#include "hw/qdev-properties-system.h"
#include "migration/vmstate.h"
#include "net/net.h"
#include "hw/mdev/mdev-pci.h"
#include "mvnet.h"
#include "../common/vring-vmstate.h"

#define TYPE_MDEV_MVNET "mdev-mvnet"
OBJECT_DECLARE_SIMPLE_TYPE(MdevMvnetState, MDEV_MVNET)

struct MdevMvnetState {
    MdevPCIState parent_obj;
    /* The "mac" property; all zero until set or read back from the device. */
    MACAddr mac;
    /* Owned by the mdev core; set once the mdev exists. */
    MvnetState *state;
};

static const VMStateDescription vmstate_mvnet_device = {
    .name = "mdev-mvnet/device",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT8(status, MvnetState),
        VMSTATE_UINT64(features, MvnetState),
        VMSTATE_UINT8_ARRAY(mac, MvnetState, MVNET_MAC_LEN),
        VMSTATE_STRUCT_ARRAY(vq, MvnetState, MVNET_NUM_QUEUES, 1,
                             vmstate_mdev_vring, VringState),
        VMSTATE_END_OF_LIST()
    },
};

static int mdev_mvnet_post_load_state(void *opaque, int version_id)
{
    MdevMvnetState *s = opaque;

    return mdev_mvnet_post_load(s->parent_obj.handle) ? 0 : -EINVAL;
}

static const VMStateDescription vmstate_mdev_mvnet = {
    .name = TYPE_MDEV_MVNET,
    .version_id = 1,
    .minimum_version_id = 1,
    .post_load = mdev_mvnet_post_load_state,
    .fields = (const VMStateField[]) {
        VMSTATE_PCI_DEVICE(parent_obj.parent_obj, MdevMvnetState),
        VMSTATE_STRUCT_POINTER(state, MdevMvnetState, vmstate_mvnet_device,
                               MvnetState),
        VMSTATE_END_OF_LIST()
    },
};

static bool mac_is_unset(const MACAddr *mac)
{
    static const MACAddr zero;

    return memcmp(mac->a, zero.a, sizeof(mac->a)) == 0;
}

/*
 * The address reaches the device here, after create and before the guest
 * runs: the user's if given, else the device keeps the one it derived from
 * its UUID, and the property shows that one (so a fixed uuid= gives a fixed
 * address across runs, unlike a random default).
 */
/* A station address must be unicast: bit 0 of the first byte clear. */
static bool mdev_mvnet_check_properties(MdevPCIState *pci, Error **errp)
{
    MdevMvnetState *s = MDEV_MVNET(pci);

    if (s->mac.a[0] & 1) {
        error_setg(errp, "property 'mac': %02x:%02x:%02x:%02x:%02x:%02x is a "
                   "multicast address; accepted: a unicast address, e.g. "
                   "52:54:00:12:34:56", s->mac.a[0], s->mac.a[1], s->mac.a[2],
                   s->mac.a[3], s->mac.a[4], s->mac.a[5]);
        return false;
    }
    return true;
}

static void mdev_mvnet_created(MdevPCIState *pci)
{
    MdevMvnetState *s = MDEV_MVNET(pci);

    s->state = mdev_mvnet_state(pci->handle);
    if (mac_is_unset(&s->mac)) {
        mdev_mvnet_get_mac(pci->handle, s->mac.a);
    } else {
        mdev_mvnet_set_mac(pci->handle, s->mac.a);
    }
}

static const Property mdev_mvnet_properties[] = {
    DEFINE_PROP_MACADDR("mac", MdevMvnetState, mac),
};

static void mdev_mvnet_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    MdevPCIClass *mc = MDEV_PCI_CLASS(klass);

    mc->parent_name = "mvnet";
    mc->default_type = "mvnet-virtio";
    mc->register_parent = mdev_mvnet_register;
    mc->mdev_created = mdev_mvnet_created;
    mc->check_properties = mdev_mvnet_check_properties;
    dc->desc = "mdev sample: virtio-net device looping its frames back";
    dc->vmsd = &vmstate_mdev_mvnet;
    set_bit(DEVICE_CATEGORY_NETWORK, dc->categories);
    /* Before the common ones, which stay the class's property list. */
    device_class_set_props(dc, mdev_mvnet_properties);
    object_class_property_set_description(klass, "mac",
        "Station address shown in the virtio-net config space; default: "
        "02:xx:xx:xx:xx:xx from the last five bytes of the uuid");
    mdev_pci_class_add_properties(klass,
        "mvnet-virtio (the only type: virtio-net, class=virtio only)");
}

static const TypeInfo mdev_mvnet_types[] = {
    {
        .name = TYPE_MDEV_MVNET,
        .parent = TYPE_MDEV_PCI,
        .instance_size = sizeof(MdevMvnetState),
        .class_init = mdev_mvnet_class_init,
    },
};

DEFINE_TYPES(mdev_mvnet_types)
