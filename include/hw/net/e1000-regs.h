/*
 * The Intel 8254x register map, descriptor and PHY/EEPROM layouts, named
 * as the "PCI/PCI-X Family of Gigabit Ethernet Controllers Software
 * Developer's Manual" names them (section numbers beside each group).
 * Shared by the device model (hw/net/e1000.c) only.
 */
#ifndef HW_NET_E1000_REGS_H
#define HW_NET_E1000_REGS_H

/* ---- Registers (SDM 13.4), as byte offsets into BAR0 ------------------- */

#define E1000_CTRL 0x0000
#define E1000_STATUS 0x0008
#define E1000_EECD 0x0010
#define E1000_EERD 0x0014
#define E1000_CTRL_EXT 0x0018
#define E1000_FLA 0x001c
#define E1000_MDIC 0x0020
#define E1000_FCAL 0x0028
#define E1000_FCAH 0x002c
#define E1000_FCT 0x0030
#define E1000_VET 0x0038
#define E1000_ICR 0x00c0
#define E1000_ITR 0x00c4
#define E1000_ICS 0x00c8
#define E1000_IMS 0x00d0
#define E1000_IMC 0x00d8
#define E1000_RCTL 0x0100
#define E1000_FCTTV 0x0170
#define E1000_TXCW 0x0178
#define E1000_RXCW 0x0180
#define E1000_TCTL 0x0400
#define E1000_TIPG 0x0410
#define E1000_AIT 0x0458
#define E1000_LEDCTL 0x0e00
#define E1000_PBA 0x1000
#define E1000_FCRTL 0x2160
#define E1000_FCRTH 0x2168
#define E1000_RDBAL 0x2800
#define E1000_RDBAH 0x2804
#define E1000_RDLEN 0x2808
#define E1000_RDH 0x2810
#define E1000_RDT 0x2818
#define E1000_RDTR 0x2820
#define E1000_RXDCTL 0x2828
#define E1000_RADV 0x282c
#define E1000_RSRPD 0x2c00
#define E1000_TXDMAC 0x3000
#define E1000_TDBAL 0x3800
#define E1000_TDBAH 0x3804
#define E1000_TDLEN 0x3808
#define E1000_TDH 0x3810
#define E1000_TDT 0x3818
#define E1000_TIDV 0x3820
#define E1000_TXDCTL 0x3828
#define E1000_TADV 0x382c
#define E1000_TSPMT 0x3830
/* Statistics (SDM 13.7): all clear on read. */
#define E1000_CRCERRS 0x4000
#define E1000_MPC 0x4010
#define E1000_PRC64 0x405c
#define E1000_PRC127 0x4060
#define E1000_PRC255 0x4064
#define E1000_PRC511 0x4068
#define E1000_PRC1023 0x406c
#define E1000_PRC1522 0x4070
#define E1000_GPRC 0x4074
#define E1000_BPRC 0x4078
#define E1000_MPRC 0x407c
#define E1000_GPTC 0x4080
#define E1000_GORCL 0x4088
#define E1000_GORCH 0x408c
#define E1000_GOTCL 0x4090
#define E1000_GOTCH 0x4094
#define E1000_RNBC 0x40a0
#define E1000_ROC 0x40ac
#define E1000_TORL 0x40c0
#define E1000_TORH 0x40c4
#define E1000_TOTL 0x40c8
#define E1000_TOTH 0x40cc
#define E1000_TPR 0x40d0
#define E1000_TPT 0x40d4
#define E1000_PTC64 0x40d8
#define E1000_PTC127 0x40dc
#define E1000_PTC255 0x40e0
#define E1000_PTC511 0x40e4
#define E1000_PTC1023 0x40e8
#define E1000_PTC1522 0x40ec
#define E1000_MPTC 0x40f0
#define E1000_BPTC 0x40f4
#define E1000_TSCTC 0x40f8
#define E1000_TSCTFC 0x40fc
#define E1000_STATS_END 0x4100
#define E1000_RXCSUM 0x5000
#define E1000_MTA 0x5200  /* 128 entries */
#define E1000_RA 0x5400   /* 16 pairs RAL, RAH */
#define E1000_VFTA 0x5600 /* 128 entries */
#define E1000_WUC 0x5800
#define E1000_WUFC 0x5808
#define E1000_WUS 0x5810
#define E1000_MANC 0x5820
#define E1000_REG_END 0x5840

#define E1000_NREGS (E1000_REG_END >> 2)
#define E1000_MMIO_SIZE 0x20000
#define E1000_IO_SIZE 8
#define E1000_IOADDR 0
#define E1000_IODATA 4

#define E1000_CTRL_FD (1u << 0)
#define E1000_CTRL_SLU (1u << 6)
#define E1000_CTRL_RST (1u << 26)
#define E1000_CTRL_VME (1u << 30)
#define E1000_CTRL_PHY_RST (1u << 31)

#define E1000_STATUS_FD (1u << 0)
#define E1000_STATUS_LU (1u << 1)
#define E1000_STATUS_SPEED_1000 (2u << 6)
#define E1000_STATUS_ASDV_1000 (2u << 8)

#define E1000_EECD_SK (1u << 0)
#define E1000_EECD_CS (1u << 1)
#define E1000_EECD_DI (1u << 2)
#define E1000_EECD_DO (1u << 3)
#define E1000_EECD_FWE (3u << 4)
#define E1000_EECD_REQ (1u << 6)
#define E1000_EECD_GNT (1u << 7)
#define E1000_EECD_PRES (1u << 8)

#define E1000_EERD_START (1u << 0)
#define E1000_EERD_DONE (1u << 4)
#define E1000_EERD_ADDR_SHIFT 8
#define E1000_EERD_DATA_SHIFT 16

#define E1000_MDIC_DATA_MASK 0xffffu
#define E1000_MDIC_REG_SHIFT 16
#define E1000_MDIC_PHY_SHIFT 21
#define E1000_MDIC_OP_WRITE (1u << 26)
#define E1000_MDIC_OP_READ (2u << 26)
#define E1000_MDIC_READY (1u << 28)
#define E1000_MDIC_INT_EN (1u << 29)
#define E1000_MDIC_ERROR (1u << 30)

#define E1000_ICR_TXDW (1u << 0)
#define E1000_ICR_TXQE (1u << 1)
#define E1000_ICR_LSC (1u << 2)
#define E1000_ICR_RXDMT0 (1u << 4)
#define E1000_ICR_RXO (1u << 6)
#define E1000_ICR_RXT0 (1u << 7)
#define E1000_ICR_MDAC (1u << 9)
#define E1000_ICR_MASK 0x0001ffffu

#define E1000_RCTL_EN (1u << 1)
#define E1000_RCTL_UPE (1u << 3)
#define E1000_RCTL_MPE (1u << 4)
#define E1000_RCTL_LPE (1u << 5)
#define E1000_RCTL_LBM_SHIFT 6
#define E1000_RCTL_LBM_MAC 1u
#define E1000_RCTL_RDMTS_SHIFT 8
#define E1000_RCTL_MO_SHIFT 12
#define E1000_RCTL_BAM (1u << 15)
#define E1000_RCTL_BSIZE_SHIFT 16
#define E1000_RCTL_VFE (1u << 18)
#define E1000_RCTL_BSEX (1u << 25)
#define E1000_RCTL_SECRC (1u << 26)

#define E1000_TCTL_EN (1u << 1)

#define E1000_RAH_AV (1u << 31)
#define E1000_RDTR_FPD (1u << 31)

/* Receive descriptor (SDM 3.2.3). */
#define E1000_RXD_STAT_DD 0x01
#define E1000_RXD_STAT_EOP 0x02
#define E1000_RXD_STAT_IXSM 0x04
#define E1000_RXD_STAT_VP 0x08

/* Transmit descriptors (SDM 3.3). */
#define E1000_TXD_CMD_EOP 0x01
#define E1000_TXD_CMD_IFCS 0x02
#define E1000_TXD_CMD_IC 0x04  /* legacy: insert checksum */
#define E1000_TXD_CMD_TSE 0x04 /* data: TCP segmentation */
#define E1000_TXD_CMD_RS 0x08
#define E1000_TXD_CMD_DEXT 0x20
#define E1000_TXD_CMD_VLE 0x40
#define E1000_TXD_STAT_DD 0x01
#define E1000_TXD_DTYP_CONTEXT 0x0
#define E1000_TXD_DTYP_DATA 0x1
#define E1000_TXD_POPTS_IXSM 0x01
#define E1000_TXD_POPTS_TXSM 0x02
#define E1000_TXD_TUCMD_TCP 0x01
#define E1000_TXD_TUCMD_IP 0x02
#define E1000_TXD_TUCMD_TSE 0x04

/* PHY registers (IEEE 802.3 clause 22 and the M88E1000's own). */
#define PHY_CTRL 0x00
#define PHY_STATUS 0x01
#define PHY_ID1 0x02
#define PHY_ID2 0x03
#define PHY_AUTONEG_ADV 0x04
#define PHY_LP_ABILITY 0x05
#define PHY_AUTONEG_EXP 0x06
#define PHY_1000T_CTRL 0x09
#define PHY_1000T_STATUS 0x0a
#define PHY_EXT_STATUS 0x0f
#define M88E1000_PHY_SPEC_CTRL 0x10
#define M88E1000_PHY_SPEC_STATUS 0x11
#define M88E1000_EXT_PHY_SPEC_CTRL 0x14
#define M88E1000_PHY_PAGE_SELECT 0x1d
#define M88E1000_PHY_GEN_CONTROL 0x1e
#define E1000_PHY_REGS 0x20
#define E1000_PHY_ADDR 1

#define MII_CR_RESET (1u << 15)
#define MII_CR_LOOPBACK (1u << 14)
#define MII_CR_RESTART_AUTO_NEG (1u << 9)
#define MII_SR_LINK_STATUS (1u << 2)
#define MII_SR_AUTONEG_COMPLETE (1u << 5)

/* EEPROM words (SDM 5.6). */
#define E1000_EEPROM_WORDS 64
#define EEPROM_INIT_CONTROL1 0x0a
#define EEPROM_SUBSYSTEM_ID 0x0b
#define EEPROM_SUBSYSTEM_VENDOR 0x0c
#define EEPROM_DEVICE_ID 0x0d
#define EEPROM_VENDOR_ID 0x0e
#define EEPROM_INIT_CONTROL2 0x0f
#define EEPROM_CHECKSUM 0x3f
#define EEPROM_SUM 0xbaba
/* Microwire: start bit, READ opcode 10b, then 6 address bits. */
#define EEPROM_READ_COMMAND 0x6
#define EEPROM_COMMAND_BITS 9

#define E1000_MIN_FRAME 60
#define E1000_MAX_FRAME_VLAN 1522
#define E1000_MAX_LONG_FRAME 16384
#define ETH_P_VLAN 0x8100

#endif
