; Inno Setup 6.3+ script (x64compatible needs 6.3): per-user installer for ФРМР Desktop (no administrator rights needed).
; NOT built in this repository's CI (Linux). On Windows, after the PyInstaller one-folder build
; (uv run pyinstaller --noconfirm --clean --workpath build\pyinstaller --distpath dist installer\frmr-desktop.spec),
; with the icon rendered (uv run python installer\render_icons.py -> build\icons\frmr.ico):
;   iscc /DAppVersion=0.1.0 installer\windows\frmr-desktop.iss
; -> dist\frmr-desktop-0.1.0-windows-x64-setup.exe
; The version comes from pyproject.toml through /DAppVersion; the default below is only a fallback.

#ifndef AppVersion
  #define AppVersion "0.0.0"
#endif
#define AppName "ФРМР — кабинет медицинского работника"
#define AppExe "frmr-desktop.exe"
; Paths are relative to this script (installer\windows\).
#define Root "..\.."

[Setup]
; A fixed AppId keeps upgrades and the uninstaller entry tied to one product; never change it.
AppId={{3B6C2E1A-7F4D-4C8B-9E2A-6D1F0A5B8C31}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=ФРМР Desktop
; {userpf} is %LOCALAPPDATA%\Programs: the per-user Program Files.
DefaultDirName={userpf}\frmr-desktop
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
; Per-user install: writes only to the user's profile and HKCU, so clinic users without admin rights can install.
PrivilegesRequired=lowest
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0
OutputDir={#Root}\dist
OutputBaseFilename=frmr-desktop-{#AppVersion}-windows-x64-setup
SetupIconFile={#Root}\build\icons\frmr.ico
UninstallDisplayIcon={app}\{#AppExe}
UninstallDisplayName={#AppName}
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
; The app may be running during an upgrade; let Restart Manager close it.
CloseApplications=yes
VersionInfoVersion={#AppVersion}
VersionInfoProductName={#AppName}
VersionInfoDescription={#AppName} — установщик

[Languages]
Name: "russian"; MessagesFile: "compiler:Languages\Russian.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
; The whole PyInstaller folder: frmr-desktop.exe, frmr.exe and _internal\.
Source: "{#Root}\dist\frmr-desktop\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{group}\{#AppName}"; Filename: "{app}\{#AppExe}"; WorkingDir: "{app}"
Name: "{group}\Удалить {#AppName}"; Filename: "{uninstallexe}"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; WorkingDir: "{app}"; Tasks: desktopicon

[Run]
Filename: "{app}\{#AppExe}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent

[UninstallDelete]
; Only the program folder. Profiles with the encrypted vaults live in %LOCALAPPDATA%\frmr-desktop and
; are deliberately kept: uninstalling must never destroy a user's record.
Type: filesandordirs; Name: "{app}\_internal"
