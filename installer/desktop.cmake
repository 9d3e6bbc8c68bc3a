# Desktop integration and manuals, included from the top-level CMakeLists.txt: the menu entry,
# AppStream metadata, hicolor icons rendered from resources/icons/warden.svg, and the man pages
# (installer/man) gzipped as Debian wants them. Everything the warden package installs from
# here is COMPONENT runtime. The build tree's share/ holds the installed form (tests/desktop
# checks it).

# The application's id: the desktop file's name, the AppStream id and the icon's name.
set(WARDEN_APP_ID "org.warden.Warden")
# The release date of project(VERSION): change both together.
set(WARDEN_RELEASE_DATE "2026-11-25")
set(WARDEN_HOMEPAGE_URL "https://warden.example.org" CACHE STRING
    "The project's homepage, for the AppStream metadata (a placeholder until there is one)")
set(WARDEN_SCREENSHOTS_URL "${WARDEN_HOMEPAGE_URL}/screenshots" CACHE STRING
    "Where resources/screenshots/*.png are published, for the AppStream metadata")

set(WARDEN_SHARE_BUILD_DIR "${PROJECT_BINARY_DIR}/share")
set(_warden_desktop_outputs "")

# --- menu entry and AppStream metadata ---------------------------------------------------------
configure_file("${PROJECT_SOURCE_DIR}/resources/${WARDEN_APP_ID}.desktop"
    "${WARDEN_SHARE_BUILD_DIR}/applications/${WARDEN_APP_ID}.desktop" COPYONLY)
configure_file("${PROJECT_SOURCE_DIR}/resources/${WARDEN_APP_ID}.metainfo.xml.in"
    "${WARDEN_SHARE_BUILD_DIR}/metainfo/${WARDEN_APP_ID}.metainfo.xml" @ONLY)
install(FILES "${WARDEN_SHARE_BUILD_DIR}/applications/${WARDEN_APP_ID}.desktop"
    DESTINATION ${CMAKE_INSTALL_DATADIR}/applications COMPONENT runtime)
install(FILES "${WARDEN_SHARE_BUILD_DIR}/metainfo/${WARDEN_APP_ID}.metainfo.xml"
    DESTINATION ${CMAKE_INSTALL_DATADIR}/metainfo COMPONENT runtime)

# --- hicolor icons: the SVG, and PNGs rendered from it at the usual sizes ----------------------
set(WARDEN_ICON_SIZES 16 22 24 32 48 64 128 256)
set(_warden_icon_svg "${PROJECT_SOURCE_DIR}/resources/icons/warden.svg")
configure_file("${_warden_icon_svg}"
    "${WARDEN_SHARE_BUILD_DIR}/icons/hicolor/scalable/apps/${WARDEN_APP_ID}.svg" COPYONLY)
install(FILES "${WARDEN_SHARE_BUILD_DIR}/icons/hicolor/scalable/apps/${WARDEN_APP_ID}.svg"
    DESTINATION ${CMAKE_INSTALL_DATADIR}/icons/hicolor/scalable/apps COMPONENT runtime)
# librsvg2-bin (installer/bootstrap.sh installs it).
find_program(WARDEN_RSVG_CONVERT rsvg-convert)
if(WARDEN_RSVG_CONVERT)
    foreach(size IN LISTS WARDEN_ICON_SIZES)
        set(_dir "${WARDEN_SHARE_BUILD_DIR}/icons/hicolor/${size}x${size}/apps")
        add_custom_command(OUTPUT "${_dir}/${WARDEN_APP_ID}.png"
            COMMAND ${CMAKE_COMMAND} -E make_directory "${_dir}"
            COMMAND "${WARDEN_RSVG_CONVERT}" --width=${size} --height=${size}
                    --output "${_dir}/${WARDEN_APP_ID}.png" "${_warden_icon_svg}"
            DEPENDS "${_warden_icon_svg}"
            COMMENT "Rendering the ${size}x${size} icon" VERBATIM)
        list(APPEND _warden_desktop_outputs "${_dir}/${WARDEN_APP_ID}.png")
        install(FILES "${_dir}/${WARDEN_APP_ID}.png"
            DESTINATION ${CMAKE_INSTALL_DATADIR}/icons/hicolor/${size}x${size}/apps
            COMPONENT runtime)
    endforeach()
else()
    message(WARNING "rsvg-convert (librsvg2-bin) not found: only the scalable icon is installed")
endif()

# --- man pages, gzipped with -9n (lintian: maximal compression, no name or time stamp) ---------
set(WARDEN_MAN_PAGES warden.1 wardenctl.1 wardend.8)
foreach(page IN LISTS WARDEN_MAN_PAGES)
    string(REGEX REPLACE ".*\\.([1-8])$" "\\1" _section "${page}")
    set(_dir "${WARDEN_SHARE_BUILD_DIR}/man/man${_section}")
    add_custom_command(OUTPUT "${_dir}/${page}.gz"
        COMMAND ${CMAKE_COMMAND} -E make_directory "${_dir}"
        COMMAND ${CMAKE_COMMAND} -E copy "${PROJECT_SOURCE_DIR}/installer/man/${page}"
                "${_dir}/${page}"
        COMMAND gzip -9nf "${_dir}/${page}"
        DEPENDS "${PROJECT_SOURCE_DIR}/installer/man/${page}"
        COMMENT "Compressing the man page ${page}" VERBATIM)
    list(APPEND _warden_desktop_outputs "${_dir}/${page}.gz")
    install(FILES "${_dir}/${page}.gz" DESTINATION ${CMAKE_INSTALL_MANDIR}/man${_section}
        COMPONENT runtime)
endforeach()

add_custom_target(warden_desktop_files ALL DEPENDS ${_warden_desktop_outputs})
