# ctest embedding_package: installs the build tree into a scratch prefix, then configures,
# builds and runs tests/integration/package/embedder against it with find_package(Warden).
# Inputs: WARDEN_BUILD_DIR, EMBEDDER_SOURCE, WORK_DIR, EMBEDDER_CXX_FLAGS.
file(REMOVE_RECURSE "${WORK_DIR}")
set(prefix "${WORK_DIR}/prefix")
# What the packages hold for an embedder: the library (component runtime, package warden) and
# its headers and CMake files (component development, package libwarden-dev).
foreach(component runtime development)
    execute_process(COMMAND ${CMAKE_COMMAND} --install "${WARDEN_BUILD_DIR}" --prefix "${prefix}"
        --component ${component} RESULT_VARIABLE rc OUTPUT_QUIET)
    if(rc)
        message(FATAL_ERROR "cmake --install of component ${component} failed (${rc})")
    endif()
endforeach()
foreach(file include/warden/engine.h include/warden/protocol/message.h include/warden/version.h)
    if(NOT EXISTS "${prefix}/${file}")
        message(FATAL_ERROR "the package lacks ${file}")
    endif()
endforeach()
# The library directory follows GNUInstallDirs (lib/<multiarch> for the /usr prefix).
file(GLOB_RECURSE configs "${prefix}/lib*/WardenConfig.cmake" "${prefix}/lib*/WardenConfigVersion.cmake")
list(LENGTH configs found)
if(NOT found EQUAL 2)
    message(FATAL_ERROR "the package lacks WardenConfig.cmake or WardenConfigVersion.cmake: ${configs}")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} -S "${EMBEDDER_SOURCE}" -B "${WORK_DIR}/build" -G Ninja
    "-DCMAKE_PREFIX_PATH=${prefix}" "-DCMAKE_CXX_FLAGS=${EMBEDDER_CXX_FLAGS}"
    -DCMAKE_BUILD_TYPE=Debug RESULT_VARIABLE rc)
if(rc)
    message(FATAL_ERROR "configuring the embedder against the package failed (${rc})")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} --build "${WORK_DIR}/build" RESULT_VARIABLE rc)
if(rc)
    message(FATAL_ERROR "building the embedder failed (${rc})")
endif()
execute_process(COMMAND "${WORK_DIR}/build/embedder" RESULT_VARIABLE rc OUTPUT_VARIABLE out
    ERROR_VARIABLE err)
message(STATUS "embedder: ${out}${err}")
if(rc)
    message(FATAL_ERROR "the embedder failed (${rc})")
endif()
if(NOT out MATCHES "^5->0 C_SET V_TEMP child 1 .* \\| verified \\| key [0-9a-f][0-9a-f][0-9a-f][0-9a-f]-")
    message(FATAL_ERROR "unexpected embedder output: ${out}")
endif()
