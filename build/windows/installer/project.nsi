# A 64-bit (PE32+) installer: WeTalk runs on 64-bit Windows only.
Target amd64-unicode

####
## The WeTalk installer for Windows, built by
##   wails build -platform windows/amd64 -nsis
## (scripts/release does this). makensis runs in this folder.
##
## wails_tools.nsh is written by `wails build -nsis` on every build (from
## wails.json: name, product name, company, version) together with
## tmp\MicrosoftEdgeWebview2Setup.exe, Microsoft's WebView2 bootstrapper;
## both are git-ignored. version.nsh is written by scripts/release with the
## numeric form of the version that VIProductVersion needs; a build without
## it (a developer's `wails build -nsis`) says 0.0.0.0 there.
##
## What it does: installs wetalk.exe into Program Files\WeTalk (per machine,
## as admin), adds a Start-menu and a desktop shortcut, registers an
## uninstaller in "Apps & features", and, only when the WebView2 runtime is
## missing (Windows 11 and current Windows 10 have it), runs Microsoft's
## bootstrapper, which downloads the runtime from Microsoft.
####
!include "wails_tools.nsh"
!include /NONFATAL "version.nsh"
!ifndef WETALK_VI_VERSION
    !define WETALK_VI_VERSION "0.0.0.0"
!endif

# Four numbers here; the full version string goes into the text fields.
VIProductVersion "${WETALK_VI_VERSION}"
VIFileVersion    "${WETALK_VI_VERSION}"

VIAddVersionKey /LANG=0 "CompanyName"     "${INFO_COMPANYNAME}"
VIAddVersionKey /LANG=0 "FileDescription" "${INFO_PRODUCTNAME} Installer"
VIAddVersionKey /LANG=0 "ProductVersion"  "${INFO_PRODUCTVERSION}"
VIAddVersionKey /LANG=0 "FileVersion"     "${INFO_PRODUCTVERSION}"
VIAddVersionKey /LANG=0 "LegalCopyright"  "${INFO_COPYRIGHT}"
VIAddVersionKey /LANG=0 "ProductName"     "${INFO_PRODUCTNAME}"

ManifestDPIAware true

!include "MUI2.nsh"

!define MUI_ICON "..\icon.ico"
!define MUI_UNICON "..\icon.ico"
!define MUI_FINISHPAGE_NOAUTOCLOSE
!define MUI_ABORTWARNING
!define MUI_FINISHPAGE_RUN "$INSTDIR\${PRODUCT_EXECUTABLE}"

!insertmacro MUI_PAGE_WELCOME
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH

!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_INSTFILES

# The installer speaks the user's language when it is one of these.
!insertmacro MUI_LANGUAGE "English"
!insertmacro MUI_LANGUAGE "SimpChinese"

Name "${INFO_PRODUCTNAME}"
OutFile "..\..\bin\${INFO_PROJECTNAME}-${ARCH}-installer.exe"
InstallDir "$PROGRAMFILES64\${INFO_PRODUCTNAME}"
ShowInstDetails show

Function .onInit
    !insertmacro wails.checkArchitecture
FunctionEnd

Section
    !insertmacro wails.setShellContext

    !insertmacro wails.webview2runtime

    SetOutPath $INSTDIR

    !insertmacro wails.files

    CreateShortcut "$SMPROGRAMS\${INFO_PRODUCTNAME}.lnk" "$INSTDIR\${PRODUCT_EXECUTABLE}"
    CreateShortCut "$DESKTOP\${INFO_PRODUCTNAME}.lnk" "$INSTDIR\${PRODUCT_EXECUTABLE}"

    !insertmacro wails.writeUninstaller
SectionEnd

Section "uninstall"
    !insertmacro wails.setShellContext

    # The WebView2 cache of the window; the user's rooms, keys and known
    # hosts (in %APPDATA%\wetalk) stay.
    RMDir /r "$AppData\${PRODUCT_EXECUTABLE}"

    Delete "$SMPROGRAMS\${INFO_PRODUCTNAME}.lnk"
    Delete "$DESKTOP\${INFO_PRODUCTNAME}.lnk"

    Delete "$INSTDIR\${PRODUCT_EXECUTABLE}"
    !insertmacro wails.deleteUninstaller
    RMDir "$INSTDIR"
SectionEnd
