// SPDX-License-Identifier: GPL-2.0-or-later
// NVM Express 1.4 (June 2019) as the controller needs it: register map,
// queue entry layouts, opcodes, status codes, feature and log identifiers,
// offsets in the Identify data structures. No UAPI header carries these
// (Linux's include/linux/nvme.h is kernel-internal), so they are spelled here
// with the spec's names; each block names the spec section it comes from,
// and the names follow include/linux/nvme.h where it has one.
#pragma once

#include <cstdint>

namespace mdev::samples::nvme {

// 3.1 Register definition (controller registers in BAR0).
inline constexpr std::uint32_t NVME_REG_CAP = 0x00;    // 64-bit
inline constexpr std::uint32_t NVME_REG_VS = 0x08;
inline constexpr std::uint32_t NVME_REG_INTMS = 0x0c;
inline constexpr std::uint32_t NVME_REG_INTMC = 0x10;
inline constexpr std::uint32_t NVME_REG_CC = 0x14;
inline constexpr std::uint32_t NVME_REG_CSTS = 0x1c;
inline constexpr std::uint32_t NVME_REG_NSSR = 0x20;
inline constexpr std::uint32_t NVME_REG_AQA = 0x24;
inline constexpr std::uint32_t NVME_REG_ASQ = 0x28;    // 64-bit
inline constexpr std::uint32_t NVME_REG_ACQ = 0x30;    // 64-bit
inline constexpr std::uint32_t NVME_REG_CMBLOC = 0x38;
inline constexpr std::uint32_t NVME_REG_CMBSZ = 0x3c;
inline constexpr std::uint32_t NVME_REG_DBS = 0x1000;  // 3.1.24/25: doorbells

// 3.1.1 CAP fields.
inline constexpr unsigned NVME_CAP_MQES_SHIFT = 0;     // 15:0, 0's based
inline constexpr unsigned NVME_CAP_CQR_SHIFT = 16;     // contiguous queues required
inline constexpr unsigned NVME_CAP_TO_SHIFT = 24;      // 31:24, 500 ms units
inline constexpr unsigned NVME_CAP_DSTRD_SHIFT = 32;   // 35:32
inline constexpr unsigned NVME_CAP_CSS_SHIFT = 37;     // 44:37, bit 0 = NVM command set
inline constexpr unsigned NVME_CAP_MPSMIN_SHIFT = 48;  // 51:48
inline constexpr unsigned NVME_CAP_MPSMAX_SHIFT = 52;  // 55:52
inline constexpr std::uint64_t NVME_CAP_CSS_NVM = 1;

// 3.1.2 VS: major 31:16, minor 15:8, tertiary 7:0.
inline constexpr std::uint32_t NVME_VS_1_4 = 0x00010400;

// 3.1.5 CC fields.
inline constexpr std::uint32_t NVME_CC_ENABLE = 1u << 0;
inline constexpr unsigned NVME_CC_CSS_SHIFT = 4;       // 6:4
inline constexpr unsigned NVME_CC_MPS_SHIFT = 7;       // 10:7
inline constexpr unsigned NVME_CC_AMS_SHIFT = 11;      // 13:11
inline constexpr unsigned NVME_CC_SHN_SHIFT = 14;      // 15:14
inline constexpr unsigned NVME_CC_IOSQES_SHIFT = 16;   // 19:16
inline constexpr unsigned NVME_CC_IOCQES_SHIFT = 20;   // 23:20
inline constexpr std::uint32_t NVME_CC_SHN_MASK = 3u << NVME_CC_SHN_SHIFT;
inline constexpr std::uint32_t NVME_CC_CSS_NVM = 0;
// The bits of CC that exist in 1.4 (23:0 less reserved 3:1).
inline constexpr std::uint32_t NVME_CC_WRITABLE = 0x00fffff1;

// 3.1.6 CSTS fields.
inline constexpr std::uint32_t NVME_CSTS_RDY = 1u << 0;
inline constexpr std::uint32_t NVME_CSTS_CFS = 1u << 1;
inline constexpr unsigned NVME_CSTS_SHST_SHIFT = 2;    // 3:2
inline constexpr std::uint32_t NVME_CSTS_SHST_MASK = 3u << NVME_CSTS_SHST_SHIFT;
inline constexpr std::uint32_t NVME_CSTS_SHST_CMPLT = 2u << NVME_CSTS_SHST_SHIFT;

// 3.1.8 AQA: ASQS 11:0, ACQS 27:16, both 0's based.
inline constexpr std::uint32_t NVME_AQA_WRITABLE = 0x0fff0fff;

// 4.2 Submission queue entry: 64 bytes.
inline constexpr unsigned NVME_SQE_SIZE = 64;
inline constexpr unsigned NVME_SQES = 6; // log2 of the above, CC.IOSQES
inline constexpr unsigned SQE_OPCODE = 0;  // CDW0 7:0
inline constexpr unsigned SQE_FLAGS = 1;   // CDW0 15:8: FUSE 9:8, PSDT 15:14
inline constexpr unsigned SQE_CID = 2;     // CDW0 31:16
inline constexpr unsigned SQE_NSID = 4;
inline constexpr unsigned SQE_MPTR = 16;
inline constexpr unsigned SQE_PRP1 = 24;
inline constexpr unsigned SQE_PRP2 = 32;
inline constexpr unsigned SQE_CDW10 = 40;  // CDW10..15 follow, 4 bytes each

// 4.6 Completion queue entry: 16 bytes.
inline constexpr unsigned NVME_CQE_SIZE = 16;
inline constexpr unsigned NVME_CQES = 4;
inline constexpr unsigned CQE_RESULT = 0;  // DW0
inline constexpr unsigned CQE_SQHD = 8;    // DW2 15:0
inline constexpr unsigned CQE_SQID = 10;   // DW2 31:16
inline constexpr unsigned CQE_CID = 12;    // DW3 15:0
inline constexpr unsigned CQE_STATUS = 14; // DW3 31:16: phase tag bit 0, status field 15:1

// 4.6.1 Status field, as the 16-bit word at CQE_STATUS without the phase
// tag (Linux's convention): SC 7:0, SCT 10:8, M bit 13, DNR bit 14.
inline constexpr std::uint16_t NVME_SCT_SHIFT = 8;
inline constexpr std::uint16_t NVME_SC_DNR = 0x4000;
// Generic command status (SCT 0), figure 126.
inline constexpr std::uint16_t NVME_SC_SUCCESS = 0x00;
inline constexpr std::uint16_t NVME_SC_INVALID_OPCODE = 0x01;
inline constexpr std::uint16_t NVME_SC_INVALID_FIELD = 0x02;
inline constexpr std::uint16_t NVME_SC_CMDID_CONFLICT = 0x03;
inline constexpr std::uint16_t NVME_SC_DATA_XFER_ERROR = 0x04;
inline constexpr std::uint16_t NVME_SC_INTERNAL = 0x06;
inline constexpr std::uint16_t NVME_SC_ABORT_REQ = 0x07;
inline constexpr std::uint16_t NVME_SC_ABORT_QUEUE = 0x08;
inline constexpr std::uint16_t NVME_SC_INVALID_NS = 0x0b;
inline constexpr std::uint16_t NVME_SC_CMD_SEQ_ERROR = 0x0c;
inline constexpr std::uint16_t NVME_SC_SGL_INVALID_TYPE = 0x11;
inline constexpr std::uint16_t NVME_SC_PRP_INVALID_OFFSET = 0x13;
inline constexpr std::uint16_t NVME_SC_LBA_RANGE = 0x80;
inline constexpr std::uint16_t NVME_SC_CAP_EXCEEDED = 0x81;
// Command specific status (SCT 1), figure 127.
inline constexpr std::uint16_t NVME_SC_CQ_INVALID = 0x100;
inline constexpr std::uint16_t NVME_SC_QID_INVALID = 0x101;
inline constexpr std::uint16_t NVME_SC_QUEUE_SIZE = 0x102;
inline constexpr std::uint16_t NVME_SC_ABORT_LIMIT = 0x103;
inline constexpr std::uint16_t NVME_SC_ASYNC_LIMIT = 0x105;
inline constexpr std::uint16_t NVME_SC_INVALID_VECTOR = 0x108;
inline constexpr std::uint16_t NVME_SC_INVALID_LOG_PAGE = 0x109;
inline constexpr std::uint16_t NVME_SC_QUEUE_DELETION = 0x10c;
inline constexpr std::uint16_t NVME_SC_FEATURE_NOT_SAVEABLE = 0x10d;
// Media and data integrity errors (SCT 2), figure 130.
inline constexpr std::uint16_t NVME_SC_WRITE_FAULT = 0x280;
inline constexpr std::uint16_t NVME_SC_READ_ERROR = 0x281;

// 5 Admin command set opcodes (figure 139).
inline constexpr std::uint8_t nvme_admin_delete_sq = 0x00;
inline constexpr std::uint8_t nvme_admin_create_sq = 0x01;
inline constexpr std::uint8_t nvme_admin_get_log_page = 0x02;
inline constexpr std::uint8_t nvme_admin_delete_cq = 0x04;
inline constexpr std::uint8_t nvme_admin_create_cq = 0x05;
inline constexpr std::uint8_t nvme_admin_identify = 0x06;
inline constexpr std::uint8_t nvme_admin_abort_cmd = 0x08;
inline constexpr std::uint8_t nvme_admin_set_features = 0x09;
inline constexpr std::uint8_t nvme_admin_get_features = 0x0a;
inline constexpr std::uint8_t nvme_admin_async_event = 0x0c;
inline constexpr std::uint8_t nvme_admin_dbbuf = 0x7c; // Doorbell Buffer Config
inline constexpr std::uint8_t nvme_admin_keep_alive = 0x18;

// 6 NVM command set opcodes (figure 346).
inline constexpr std::uint8_t nvme_cmd_flush = 0x00;
inline constexpr std::uint8_t nvme_cmd_write = 0x01;
inline constexpr std::uint8_t nvme_cmd_read = 0x02;
inline constexpr std::uint8_t nvme_cmd_write_zeroes = 0x08;

// 5.3 Create I/O CQ (CDW11) and 5.4 Create I/O SQ (CDW11).
inline constexpr std::uint32_t NVME_QUEUE_PHYS_CONTIG = 1u << 0;
inline constexpr std::uint32_t NVME_CQ_IRQ_ENABLED = 1u << 1;

// 5.15 Identify: CNS values (figure 244).
inline constexpr std::uint8_t NVME_ID_CNS_NS = 0x00;
inline constexpr std::uint8_t NVME_ID_CNS_CTRL = 0x01;
inline constexpr std::uint8_t NVME_ID_CNS_NS_ACTIVE_LIST = 0x02;
inline constexpr std::uint8_t NVME_ID_CNS_NS_DESC_LIST = 0x03;
inline constexpr unsigned NVME_IDENTIFY_DATA_SIZE = 4096;

// 5.15.2.2 Identify Controller data structure (figure 247), byte offsets.
inline constexpr unsigned ID_CTRL_VID = 0, ID_CTRL_SSVID = 2, ID_CTRL_SN = 4, ID_CTRL_MN = 24,
                          ID_CTRL_FR = 64, ID_CTRL_RAB = 72, ID_CTRL_IEEE = 73,
                          ID_CTRL_MDTS = 77, ID_CTRL_CNTLID = 78, ID_CTRL_VER = 80,
                          ID_CTRL_OAES = 92, ID_CTRL_CNTRLTYPE = 111, ID_CTRL_OACS = 256,
                          ID_CTRL_ACL = 258, ID_CTRL_AERL = 259, ID_CTRL_FRMW = 260,
                          ID_CTRL_LPA = 261, ID_CTRL_ELPE = 262, ID_CTRL_NPSS = 263,
                          ID_CTRL_WCTEMP = 266, ID_CTRL_CCTEMP = 268, ID_CTRL_SQES = 512,
                          ID_CTRL_CQES = 513, ID_CTRL_MAXCMD = 514, ID_CTRL_NN = 516,
                          ID_CTRL_ONCS = 520, ID_CTRL_VWC = 525, ID_CTRL_SGLS = 536,
                          ID_CTRL_SUBNQN = 768, ID_CTRL_PSD0 = 2048;
inline constexpr std::uint16_t NVME_CTRL_ONCS_WRITE_ZEROES = 1u << 3;
inline constexpr std::uint16_t NVME_CTRL_OACS_DBBUF_SUPP = 1u << 8;
inline constexpr std::uint8_t NVME_CTRL_VWC_PRESENT = 1u << 0;
inline constexpr std::uint8_t NVME_CTRL_TYPE_IO = 1;

// 5.15.2.1 Identify Namespace data structure (figure 245).
inline constexpr unsigned ID_NS_NSZE = 0, ID_NS_NCAP = 8, ID_NS_NUSE = 16, ID_NS_NSFEAT = 24,
                          ID_NS_NLBAF = 25, ID_NS_FLBAS = 26, ID_NS_DLFEAT = 33,
                          ID_NS_NGUID = 104, ID_NS_EUI64 = 120, ID_NS_LBAF0 = 128;
inline constexpr unsigned NVME_LBAF_LBADS_SHIFT = 16; // LBA format: LBADS 23:16

// 5.15.2.3 Namespace Identification Descriptor (figure 249).
inline constexpr std::uint8_t NVME_NIDT_UUID = 0x03;
inline constexpr std::uint8_t NVME_NIDT_UUID_LEN = 16;

// 5.21.1 Feature identifiers (figure 271).
inline constexpr std::uint8_t NVME_FEAT_ARBITRATION = 0x01;
inline constexpr std::uint8_t NVME_FEAT_POWER_MGMT = 0x02;
inline constexpr std::uint8_t NVME_FEAT_TEMP_THRESH = 0x04;
inline constexpr std::uint8_t NVME_FEAT_ERR_RECOVERY = 0x05;
inline constexpr std::uint8_t NVME_FEAT_VOLATILE_WC = 0x06;
inline constexpr std::uint8_t NVME_FEAT_NUM_QUEUES = 0x07;
inline constexpr std::uint8_t NVME_FEAT_IRQ_COALESCE = 0x08;
inline constexpr std::uint8_t NVME_FEAT_IRQ_CONFIG = 0x09;
inline constexpr std::uint8_t NVME_FEAT_WRITE_ATOMIC = 0x0a;
inline constexpr std::uint8_t NVME_FEAT_ASYNC_EVENT = 0x0b;
// Get Features CDW10 SEL 10:8 (figure 283), Set Features CDW10 SV bit 31.
inline constexpr unsigned NVME_FEAT_SEL_SHIFT = 8;
inline constexpr std::uint32_t NVME_FEAT_SAVE = 1u << 31;

// 5.14.1 Log page identifiers (figure 191).
inline constexpr std::uint8_t NVME_LOG_ERROR = 0x01;
inline constexpr std::uint8_t NVME_LOG_SMART = 0x02;
inline constexpr std::uint8_t NVME_LOG_FW_SLOT = 0x03;
inline constexpr unsigned NVME_LOG_RAE_BIT = 15; // CDW10 bit 15: retain asynchronous event

// 5.2 Asynchronous Event Request completion DW0 (figure 146): type 2:0,
// information 15:8, log page 23:16. Error status information (figure 147).
inline constexpr std::uint8_t NVME_AER_ERROR = 0;
inline constexpr std::uint8_t NVME_AER_ERROR_INVALID_DB_REG = 0x00;
inline constexpr std::uint8_t NVME_AER_ERROR_INVALID_DB_VALUE = 0x01;

} // namespace mdev::samples::nvme
