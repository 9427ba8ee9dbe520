; Offramp's Windows installer, built on Linux with Debian's makensis by packaging/windows/build_windows.py:
;
;   makensis -V2 -INPUTCHARSET UTF8 -DVERSION=0.1.0 -DVERSION_QUAD=0.1.0.0 -DSRCDIR=<bundle> \
;            -DOUTFILE=<setup.exe> -DUNINSTALL_LIST=<uninstall-files.nsh> [-DICON=<offramp.ico>] offramp.nsi
;
; SRCDIR is the one-folder bundle build.spec makes (offramp-gui.exe, offramp.exe, _internal\). UNINSTALL_LIST is
; generated from that same folder: one Delete per file and one RMDir per folder, deepest first, so the
; uninstaller removes exactly what this installer put there and never a file it did not install.
;
; Silent use, for Intune, ConfigMgr and scripts:
;   offramp-<version>-setup.exe /S [/D=C:\Other\Folder]     (/D last and unquoted, even with spaces)
;   "C:\Program Files\Offramp\uninstall.exe" /S             (the QuietUninstallString it registers)

Unicode true
ManifestDPIAware true
Target amd64-unicode
RequestExecutionLevel admin
SetCompressor /SOLID lzma

!macro Required NAME
  !ifndef ${NAME}
    !error "${NAME} is not defined: build with packaging/windows/build_windows.py"
  !endif
!macroend
!insertmacro Required VERSION
!insertmacro Required VERSION_QUAD
!insertmacro Required SRCDIR
!insertmacro Required OUTFILE
!insertmacro Required UNINSTALL_LIST

!define APPNAME "Offramp"
!define PUBLISHER "Offramp"
!define GUI_EXE "offramp-gui.exe"
!define CLI_EXE "offramp.exe"
!define UNINSTALL_EXE "uninstall.exe"
!define UNINSTKEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\${APPNAME}"

!include "MUI2.nsh"
!include "LogicLib.nsh"
!include "x64.nsh"
!include "FileFunc.nsh"

Name "${APPNAME}"
OutFile "${OUTFILE}"
InstallDir "$PROGRAMFILES64\${APPNAME}"
BrandingText "${APPNAME} ${VERSION}"
ShowInstDetails show
ShowUninstDetails show

VIProductVersion "${VERSION_QUAD}"
VIFileVersion "${VERSION_QUAD}"
VIAddVersionKey /LANG=1033 "ProductName" "${APPNAME}"
VIAddVersionKey /LANG=1033 "CompanyName" "${PUBLISHER}"
VIAddVersionKey /LANG=1033 "FileDescription" "${APPNAME} setup"
VIAddVersionKey /LANG=1033 "FileVersion" "${VERSION}"
VIAddVersionKey /LANG=1033 "ProductVersion" "${VERSION}"
VIAddVersionKey /LANG=1033 "LegalCopyright" "GPL-3.0-or-later"

!ifdef ICON
  !define MUI_ICON "${ICON}"
  !define MUI_UNICON "${ICON}"
!endif
!define MUI_ABORTWARNING
; The finish page offers to start the wizard, unticked; a silent install never starts it.
!define MUI_FINISHPAGE_RUN "$INSTDIR\${GUI_EXE}"
!define MUI_FINISHPAGE_RUN_TEXT "Start ${APPNAME} now"
!define MUI_FINISHPAGE_RUN_NOTCHECKED

!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH
!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_INSTFILES
!insertmacro MUI_LANGUAGE "English"

!macro RequireAdmin
  ; RequestExecutionLevel only asks; with UAC off or from a non-elevated service account the process can
  ; still start without rights. ERROR_ELEVATION_REQUIRED (740) is what Windows itself reports then.
  UserInfo::GetAccountType
  Pop $0
  ${If} $0 != "Admin"
    MessageBox MB_OK|MB_ICONSTOP "${APPNAME} setup needs administrator rights." /SD IDOK
    SetErrorLevel 740
    Quit
  ${EndIf}
!macroend

Function .onInit
  ${IfNot} ${RunningX64}
    MessageBox MB_OK|MB_ICONSTOP "${APPNAME} needs 64-bit Windows 10 or 11." /SD IDOK
    SetErrorLevel 1
    Quit
  ${EndIf}
  !insertmacro RequireAdmin
  ; The uninstall entry goes to the native (64-bit) registry view, not WOW6432Node.
  SetRegView 64
  SetShellVarContext all
FunctionEnd

Section "Install"
  SetOutPath "$INSTDIR"
  ; Upgrading in place: drop the previous version's files so none of them lingers next to the new ones.
  ${If} ${FileExists} "$INSTDIR\${CLI_EXE}"
    RMDir /r "$INSTDIR\_internal"
  ${EndIf}
  File /r "${SRCDIR}/*"
  WriteUninstaller "$INSTDIR\${UNINSTALL_EXE}"

  CreateShortCut "$SMPROGRAMS\${APPNAME}.lnk" "$INSTDIR\${GUI_EXE}" "" "$INSTDIR\${GUI_EXE}" 0 \
      SW_SHOWNORMAL "" "Find Kaspersky, remove it cleanly and install a replacement you choose"

  WriteRegStr HKLM "${UNINSTKEY}" "DisplayName" "${APPNAME}"
  WriteRegStr HKLM "${UNINSTKEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKLM "${UNINSTKEY}" "Publisher" "${PUBLISHER}"
  WriteRegStr HKLM "${UNINSTKEY}" "DisplayIcon" "$INSTDIR\${GUI_EXE},0"
  WriteRegStr HKLM "${UNINSTKEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKLM "${UNINSTKEY}" "UninstallString" '"$INSTDIR\${UNINSTALL_EXE}"'
  WriteRegStr HKLM "${UNINSTKEY}" "QuietUninstallString" '"$INSTDIR\${UNINSTALL_EXE}" /S'
  WriteRegDWORD HKLM "${UNINSTKEY}" "NoModify" 1
  WriteRegDWORD HKLM "${UNINSTKEY}" "NoRepair" 1
  ; In KiB, as Apps & features expects; measured on disk after the copy.
  ${GetSize} "$INSTDIR" "/S=0K" $0 $1 $2
  IntFmt $0 "0x%08X" $0
  WriteRegDWORD HKLM "${UNINSTKEY}" "EstimatedSize" $0
SectionEnd

Function un.onInit
  !insertmacro RequireAdmin
  SetRegView 64
  SetShellVarContext all
FunctionEnd

Section "Uninstall"
  ; An unfinished migration outlives Offramp unless someone clears it, and a reinstalled Offramp would carry
  ; it on. So ask, while offramp.exe is still here to answer: keep it (the default, and what /S does) or clear
  ; it (journaled, its record kept aside). Silent uninstalls clear it with /CLEARMIGRATION.
  nsExec::ExecToStack '"$INSTDIR\${CLI_EXE}" resume --pending'
  Pop $0
  Pop $1
  ${If} $0 == 0
    ClearErrors
    ${GetOptions} $CMDLINE "/CLEARMIGRATION" $2
    ${If} ${Errors}
      MessageBox MB_YESNO|MB_ICONQUESTION "$1$\r$\n$\r$\nKeep this migration, so that ${APPNAME} can carry it on when it is installed again?$\r$\n$\r$\nYes keeps it. No clears it (its record is kept aside for the helpdesk)." /SD IDYES IDYES keep_migration
    ${EndIf}
    nsExec::ExecToLog '"$INSTDIR\${CLI_EXE}" resume --abandon'
    Pop $0
  ${EndIf}
  keep_migration:
  Delete "$SMPROGRAMS\${APPNAME}.lnk"
  !include "${UNINSTALL_LIST}"
  Delete "$INSTDIR\${UNINSTALL_EXE}"
  ; Not /r: a folder the user chose with /D may hold files of their own; those stay.
  RMDir "$INSTDIR"
  DeleteRegKey HKLM "${UNINSTKEY}"
SectionEnd
