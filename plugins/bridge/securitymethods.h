// The security workflows in the JSON API: "revoke" runs the full revocation (block, delete the
// keys, quarantine, audit, push the whitelist removal, say what stays exposed and which
// rotation follows), "rotation.start" / "rotation.status" / "rotation.cancel" /
// "rotation.usbDone" drive the key rotation, "jobs" lists the management jobs and "push" queues
// whitelist and signing-policy changes as a batch; the "job" and "rotation" events go to the
// clients that called "security.subscribe". Key material never appears: keys are named by
// fingerprint. The schema is in json-api.md.
#pragma once

#include "jsonapi.h"

#include <warden/jobs.h>
#include <warden/rotationtypes.h>
#include <warden/securityworkflows.h>

#include <QtCore/QJsonObject>

namespace Warden {
class SecurityService;
}

namespace Warden::Internal {

namespace SecurityMethods {
/// Most nodes "push" takes in one batch, and most jobs "jobs" returns.
constexpr int kMaxPushNodes = 254;
constexpr int kMaxJobs = 1000;
/// Longest label or reason.
constexpr qsizetype kMaxTextLength = 200;
} // namespace SecurityMethods

/// Adds the methods above to @p api and connects the events; @p service must be started and
/// outlive the API. Fails when a name is taken.
Result<void> addSecurityMethods(JsonApi &api, SecurityService *service);

/// JSON forms, exposed for tests and the console.
QJsonObject revocationReportToJson(const RevocationReport &report);
QJsonObject rotationReportToJson(const RotationReport &report);
QJsonObject jobToJson(const ManagementJob &job);
QJsonObject batchToJson(const BatchProgress &batch);
const char *apiJobStateName(JobState state);

} // namespace Warden::Internal
