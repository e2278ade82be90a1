// SPDX-License-Identifier: GPL-2.0-or-later
// The C interface of the core (mdev.h). No exception crosses it: nothing in
// the core throws on a path the glue can reach, and allocation failure ends
// QEMU as it would in C.
#include "capi.hpp"

#include "hw/mdev/declaration.hpp"
#include "vfio/vfio_driver.hpp"
#include "virtio/virtio_driver.hpp"

#include <cstdio>
#include <cstring>
#include <memory>
#include <new>
#include <vector>

namespace mdev::capi {

void CHost::guest_error(std::string_view message)
{
    std::string text(message);
    ops_.guest_error(opaque_, text.c_str());
}

void CHost::set_intx(bool asserted)
{
    ops_.set_intx(opaque_, asserted);
}

void CHost::notify_msi(std::uint32_t vector)
{
    ops_.notify_msi(opaque_, vector);
}

void CHost::send_msi(std::uint64_t address, std::uint32_t data)
{
    if (ops_.send_msi) {
        ops_.send_msi(opaque_, address, data);
    }
}

// A glue without the call has no command register to ask: no bus master.
bool CHost::bus_master()
{
    return ops_.bus_master && ops_.bus_master(opaque_);
}

bool CHost::dma_read(std::uint64_t addr, std::span<std::uint8_t> out)
{
    return ops_.dma_read && ops_.dma_read(opaque_, addr, out.data(), out.size());
}

bool CHost::dma_write(std::uint64_t addr, std::span<const std::uint8_t> in)
{
    return ops_.dma_write && ops_.dma_write(opaque_, addr, in.data(), in.size());
}

void CHost::block_migration(std::string_view reason)
{
    if (ops_.block_migration) {
        std::string text(reason);
        ops_.block_migration(opaque_, text.c_str());
    }
}

void CHost::unblock_migration()
{
    if (ops_.unblock_migration) {
        ops_.unblock_migration(opaque_);
    }
}

bool CHost::set_present(bool present)
{
    return ops_.set_present && ops_.set_present(opaque_, present);
}

namespace {

// A static that is built on first use and never destroyed. The process's
// core must outlive every exit handler: QEMU's RCU thread may still be
// finalizing an unplugged device (whose MdevHold pins its mdev) while the
// main thread runs static destructors at exit, and a destroyed core would
// have freed that device under it. The memory goes with the process.
template <typename T>
class NeverDestroyed {
public:
    NeverDestroyed() { ::new (static_cast<void *>(storage_)) T(); }
    NeverDestroyed(const NeverDestroyed &) = delete;
    NeverDestroyed &operator=(const NeverDestroyed &) = delete;
    T &get() { return *std::launder(reinterpret_cast<T *>(storage_)); }

private:
    alignas(T) unsigned char storage_[sizeof(T)];
};

} // namespace

static PropertyValues default_budget(const ParentDeclaration &d)
{
    PropertyValues values;
    if (d.budget) {
        values.set(d.budget->name, d.budget->default_value ? d.budget->default_value : "");
    }
    return values;
}

Core &global_core()
{
    static NeverDestroyed<Core> instance;
    Core &core = instance.get();
    static bool drivers_registered = false;
    if (!drivers_registered) {
        drivers_registered = true;
        core.bus().register_driver(vfio::vfio_pci_driver());
        core.bus().register_driver(virtio::virtio_pci_driver());
        // Every parent declared in this binary, with its ops: the core
        // knows no sample, the declarations name themselves.
        // A declaration the core cannot take is a bug of its parent, found
        // when QEMU starts, loudly, as a failed assertion would be.
        auto refuse = [](const ParentDeclaration &d, const std::string &why) {
            std::fprintf(stderr, "mdev parent declaration '%s': %s\n", d.name, why.c_str());
            std::abort();
        };
        for (const ParentDeclaration *d : declared_parents()) {
            if (!d->make) {
                refuse(*d, "no make function");
            }
            if (d->budget && (d->budget->kind != MDEV_PROP_UINT32 || !d->budget->default_value)) {
                refuse(*d, std::string("budget '") + d->budget->name +
                               "' is not an unsigned integer with a default");
            }
            for (const migration::Struct *st : d->state) {
                std::string why = st ? migration::problem(*st) : "a null state description";
                if (!why.empty()) {
                    refuse(*d, why);
                }
            }
            // The default parent of the kind, with the default budget.
            Result<std::unique_ptr<Parent>> made = d->make(default_budget(*d));
            if (!made) {
                refuse(*d, made.error().message);
            }
            std::unique_ptr<Parent> owned = std::move(*made);
            Parent &parent = *owned;
            if (parent.name() != d->name) {
                refuse(*d, "the parent it makes is named '" + std::string(parent.name()) + "'");
            }
            Result<Parent *> registered = core.register_parent(std::move(owned));
            if (!registered) {
                refuse(*d, registered.error().message);
            }
            Status ops = parent.register_ops(core);
            if (!ops) {
                refuse(*d, ops.error().message);
            }
        }
    }
    return core;
}

namespace {

MdevErrorCode to_c(Errc code)
{
    switch (code) {
    case Errc::unknown_parent:
        return MDEV_ERR_UNKNOWN_PARENT;
    case Errc::unknown_type:
        return MDEV_ERR_UNKNOWN_TYPE;
    case Errc::unknown_class:
        return MDEV_ERR_UNKNOWN_CLASS;
    case Errc::class_unsupported:
        return MDEV_ERR_CLASS_UNSUPPORTED;
    case Errc::malformed_uuid:
        return MDEV_ERR_MALFORMED_UUID;
    case Errc::duplicate_uuid:
        return MDEV_ERR_DUPLICATE_UUID;
    case Errc::budget_exhausted:
        return MDEV_ERR_BUDGET_EXHAUSTED;
    case Errc::no_driver:
        return MDEV_ERR_NO_DRIVER;
    case Errc::probe_failed:
        return MDEV_ERR_PROBE_FAILED;
    case Errc::invalid_property:
        return MDEV_ERR_INVALID_PROPERTY;
    default:
        return MDEV_ERR_OTHER;
    }
}

void set_error(MdevError *err, MdevErrorCode code, const std::string &message)
{
    if (!err) {
        return;
    }
    err->code = code;
    std::snprintf(err->message, sizeof(err->message), "%s", message.c_str());
}

// What the glue reads of one declared parent; built once, kept for the
// process (QOM classes point into it).
struct ParentInfoStore {
    MdevParentInfo info{};
    std::string type_help;
    std::string classes;
    std::string default_class;
    std::string default_type;
    std::vector<MdevParentType> types;
};

std::unique_ptr<ParentInfoStore> make_info(const ParentDeclaration &d)
{
    auto store = std::make_unique<ParentInfoStore>();
    Core &core = global_core();
    const Parent *parent = core.find_parent(d.name);

    std::string types;
    if (parent) {
        std::span<const MdevType> all = parent->types();
        for (const MdevType &t : all) {
            // The parent's types live as long as the process's core.
            store->types.push_back(MdevParentType{t.id.c_str(), t.name.c_str(),
                                                  t.description.c_str(), t.device_api.c_str()});
        }
        for (std::size_t i = 0; i < all.size(); i++) {
            types += i == 0 ? "" : (i + 1 == all.size() ? " or " : ", ");
            types += all[i].id;
            // The type's name, or its description where the name is the id.
            const std::string &about =
                all[i].name.empty() || all[i].name == all[i].id ? all[i].description : all[i].name;
            if (!about.empty()) {
                types += " (" + about + ")";
            }
        }
        store->default_type = d.default_type ? d.default_type
                              : all.empty()  ? ""
                                             : all.front().id;
    }
    store->type_help = types + "; default " + store->default_type;
    if (d.budget_help) {
        store->type_help += ". " + std::string(d.budget_help);
    }

    std::vector<ClassId> ids = core.classes_of(d.name);
    for (ClassId id : ids) {
        store->classes += store->classes.empty() ? "" : ", ";
        store->classes += class_name(id);
    }
    if (ids.size() == 1) {
        store->default_class = class_name(ids.front());
    }

    MdevParentInfo &info = store->info;
    info.name = d.name;
    info.description = d.description;
    info.category = d.category;
    info.type_help = store->type_help.c_str();
    info.default_type = store->default_type.c_str();
    info.classes = store->classes.c_str();
    info.default_class = store->default_class.empty() ? nullptr : store->default_class.c_str();
    info.properties = d.properties.data();
    info.nproperties = d.properties.size();
    info.budget = d.budget;
    info.types = store->types.data();
    info.ntypes = store->types.size();
    info.state = d.state.data();
    info.nstate = d.state.size();
    return store;
}

} // namespace

} // namespace mdev::capi

using namespace mdev;

extern "C" const MdevParentInfo *mdev_parent_info(size_t index)
{
    static const std::vector<std::unique_ptr<capi::ParentInfoStore>> infos = [] {
        std::vector<std::unique_ptr<capi::ParentInfoStore>> all;
        for (const ParentDeclaration *d : declared_parents()) {
            all.push_back(capi::make_info(*d));
        }
        return all;
    }();
    return index < infos.size() ? &infos[index]->info : nullptr;
}

extern "C" void *mdev_migration_data(MdevHandle *h, const MdevStateStruct *schema)
{
    if (!h || !h->device) {
        return nullptr;
    }
    for (const migration::Data &d : h->device->vendor_state_base().migrated(*h->device)) {
        if (d.schema() != schema) {
            continue;
        }
        if (!d.data()) {
            // The parent paired a description with an object of another
            // size: migrating it would write past the object. A bug in the
            // parent, caught at the first realize, as an assertion would.
            std::fprintf(stderr, "mdev parent '%s': state '%s' handed with an object that is "
                                 "not of %zu bytes\n",
                         h->parent.c_str(), schema->name, schema->size);
            std::abort();
        }
        return d.data();
    }
    return nullptr;
}

extern "C" bool mdev_post_load(MdevHandle *h)
{
    // Re-deriving interrupt levels is device code: pinned like any entry.
    return capi::enter(h, false, [](Device &dev) {
        return dev.vendor_state_base().post_load(dev);
    });
}

extern "C" bool mdev_set_uuid(MdevHandle *h, const char *uuid, MdevError *err)
{
    std::optional<Uuid> parsed = Uuid::parse(uuid);
    if (!parsed) {
        capi::set_error(err, MDEV_ERR_MALFORMED_UUID, std::string("'") + uuid + "' is not a UUID");
        return false;
    }
    // The parent re-derives from the UUID: device code, pinned.
    Status s = capi::enter(h, Status(Error{Errc::unknown_device, "no mdev"}), [&](Device &dev) {
        return capi::global_core().rekey(dev, *parsed);
    });
    if (!s) {
        capi::set_error(err, capi::to_c(s.error().code), s.error().message);
        return false;
    }
    h->uuid = parsed->to_string();
    return true;
}

extern "C" bool mdev_property(const MdevHandle *h, const char *name, char *buf, size_t size)
{
    if (!h || !h->device) {
        return false;
    }
    std::optional<std::string> v = h->device->vendor_state_base().property(name);
    if (!v) {
        return false;
    }
    std::snprintf(buf, size, "%s", v->c_str());
    return true;
}

extern "C" MdevHandle *mdev_create(const char *parent, const char *type, const char *uuid,
                                   const char *class_name, const MdevPropertyValue *props,
                                   size_t nprops, const MdevHostOps *host_ops,
                                   void *host_opaque, MdevError *err)
{
    // The device owns its handle (capi.hpp); on a refusal the core has
    // already destroyed it.
    auto owned = std::make_unique<MdevHandle>(*host_ops, host_opaque);
    MdevHandle *handle = owned.get();
    CreateRequest req{parent, type, uuid, class_name, nullptr, std::move(owned)};
    for (size_t i = 0; i < nprops; i++) {
        req.properties.set(props[i].name, props[i].value);
    }
    Result<Device *> dev = capi::global_core().create(std::move(req));
    if (!dev) {
        capi::set_error(err, capi::to_c(dev.error().code), dev.error().message);
        return nullptr;
    }
    handle->device = *dev;
    handle->uuid = (*dev)->uuid().to_string();
    handle->type_id = (*dev)->type().id;
    handle->parent = std::string((*dev)->parent().name());
    handle->parent_id = std::string((*dev)->parent().id());
    if (err) {
        err->code = MDEV_OK;
        err->message[0] = '\0';
    }
    return handle;
}

extern "C" void mdev_destroy(MdevHandle *h)
{
    if (!h) {
        return;
    }
    // Frees h unless a call into the device is on the stack (then the last
    // Entry does): copy what remove() needs first.
    const std::string uuid = h->uuid;
    (void)capi::global_core().remove(uuid);
}

struct MdevHold {
    mdev::Core::Pin pin;
};

extern "C" MdevHold *mdev_hold(MdevHandle *h)
{
    return new MdevHold{Core::Pin(capi::global_core(), *h->device)};
}

extern "C" void mdev_release(MdevHold *hold)
{
    // May free the device (and the handle) if it was removed.
    std::unique_ptr<MdevHold> owned(hold);
}

extern "C" MdevClass mdev_class(const MdevHandle *h)
{
    return static_cast<MdevClass>(h->device->class_id());
}

extern "C" const char *mdev_uuid(const MdevHandle *h)
{
    return h->uuid.c_str();
}

extern "C" const char *mdev_type_id(const MdevHandle *h)
{
    return h->type_id.c_str();
}

extern "C" const char *mdev_parent_name(const MdevHandle *h)
{
    return h->parent.c_str();
}

extern "C" const char *mdev_parent_id(const MdevHandle *h)
{
    return h->parent_id.c_str();
}

extern "C" const char *mdev_driver_name(const MdevHandle *h)
{
    Driver *d = h->device->driver();
    // Driver names are string literals, so data() is NUL-terminated.
    return d ? d->name().data() : "";
}

extern "C" unsigned mdev_available_instances(const char *parent, const char *type)
{
    Parent *p = capi::global_core().find_parent(parent);
    const MdevType *t = p ? p->find_type(type) : nullptr;
    return t ? p->available_instances(*t) : 0;
}

extern "C" bool mdev_parent_new(const char *kind, const char *id, const char *budget,
                                MdevError *err)
{
    Core &core = capi::global_core();
    const ParentDeclaration *decl = nullptr;
    for (const ParentDeclaration *d : declared_parents()) {
        if (std::string_view(d->name) == kind) {
            decl = d;
        }
    }
    if (!decl) {
        capi::set_error(err, MDEV_ERR_UNKNOWN_PARENT,
                        std::string("no mdev parent kind '") + kind + "'");
        return false;
    }
    if (core.find_parent(id)) {
        capi::set_error(err, MDEV_ERR_OTHER,
                        std::string("an mdev parent named '") + id + "' exists already" +
                            (std::string_view(id) == kind ? " (the default parent of its kind)" : ""));
        return false;
    }
    PropertyValues values = capi::default_budget(*decl);
    if (budget) {
        if (!decl->budget) {
            capi::set_error(err, MDEV_ERR_INVALID_PROPERTY,
                            std::string("budget: a parent of kind '") + kind +
                                "' has a fixed budget; leave budget out");
            return false;
        }
        values.set(decl->budget->name, budget);
    }
    Result<std::unique_ptr<Parent>> made = decl->make(values);
    if (!made) {
        capi::set_error(err, capi::to_c(made.error().code), made.error().message);
        return false;
    }
    Result<Parent *> registered = core.register_parent(std::move(*made), id);
    if (!registered) {
        capi::set_error(err, capi::to_c(registered.error().code), registered.error().message);
        return false;
    }
    Status ops = (*registered)->register_ops(core);
    if (!ops) {
        (void)core.unregister_parent(id);
        capi::set_error(err, capi::to_c(ops.error().code), ops.error().message);
        return false;
    }
    return true;
}

extern "C" bool mdev_parent_delete(const char *id, MdevError *err)
{
    Status s = capi::global_core().unregister_parent(id);
    if (!s) {
        capi::set_error(err, capi::to_c(s.error().code), s.error().message);
        return false;
    }
    return true;
}

extern "C" bool mdev_parent_in_use(const char *id)
{
    return capi::global_core().mdevs_of(id) > 0;
}

extern "C" bool mdev_parent_at(size_t index, const char **id, const char **kind)
{
    std::vector<const Parent *> all = capi::global_core().parents();
    if (index >= all.size()) {
        return false;
    }
    // Both views point into the parent, which the core keeps.
    *id = all[index]->id().data();
    *kind = all[index]->name().data();
    return true;
}
