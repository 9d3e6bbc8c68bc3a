// The header a sketch includes: the secure node stack and the board it runs on.
#pragma once

#include "board.h"
#include "flashstring.h"
#include "managementhandler.h"
#include "resident.h"
#include "securenode.h"
#include "version.h"
