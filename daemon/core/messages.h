/* messages.h - journal MESSAGE_IDs of ztmmd's events (generated once with systemd-id128 new;
 * never change one: `journalctl MESSAGE_ID=...` filters and SIEM rules rely on them). */
#pragma once

#define ZT_MSG_SCAN_DONE        "10b3876b9c4e499bb6ed76a1dba4b26c" /* a scan finished */
#define ZT_MSG_STAGE_CHANGED    "2b42233718a6434bb8c7ceb3084e065e" /* function/pillar/overall */
#define ZT_MSG_FINDING_CHANGED  "e97a74d7d1604146b8aa715023a4b806" /* a rule's status changed */
#define ZT_MSG_COLLECTOR_FAILED "5be2f91c38074ecd9e92a7f9938e2d39" /* error or partial */
#define ZT_MSG_WORKER_FAILED    "539e23fcf4f840909a57a39b593bb1bd" /* crashed, killed, bad output */
#define ZT_MSG_RELOAD           "4f3398013cff465bad579696cc4ea91c" /* reload done or refused */
#define ZT_MSG_STATE_CORRUPT    "04f0d60a7ac44ea4a27cd3d9e1b66df2" /* a state file set aside */
