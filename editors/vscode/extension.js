// The ipax debugger for VS Code: the adapter is `ipax --dap` (Debug Adapter Protocol over stdio).
// F5 on a .nl file with no launch.json debugs that file.
const vscode = require('vscode');

function activate(context) {
  context.subscriptions.push(
    vscode.debug.registerDebugAdapterDescriptorFactory('ipax', {
      createDebugAdapterDescriptor(session) {
        const exe = session.configuration.ipaxPath || 'ipax';
        return new vscode.DebugAdapterExecutable(exe, ['--dap']);
      },
    }),
    vscode.debug.registerDebugConfigurationProvider('ipax', {
      resolveDebugConfiguration(folder, config) {
        // No launch.json: debug the .nl model in the active editor.
        if (!config.type && !config.request && !config.name) {
          const editor = vscode.window.activeTextEditor;
          if (editor && editor.document.fileName.endsWith('.nl')) {
            return { type: 'ipax', request: 'launch', name: 'Debug the .nl model', program: editor.document.fileName, stopOnEntry: true };
          }
        }
        if (!config.program && !config.problem) {
          return vscode.window.showInformationMessage('ipax: open a .nl model or set "program" / "problem" in launch.json').then(() => undefined);
        }
        return config;
      },
    })
  );
}

function deactivate() {}

module.exports = { activate, deactivate };
