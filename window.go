//go:build !headless

package main

import (
	"context"
	_ "embed"
	"fmt"
	"io/fs"

	"github.com/wailsapp/wails/v2"
	"github.com/wailsapp/wails/v2/pkg/options"
	"github.com/wailsapp/wails/v2/pkg/options/assetserver"
	"github.com/wailsapp/wails/v2/pkg/options/linux"

	"wetalk/backend/profile"
	"wetalk/backend/session"
	"wetalk/backend/web"
)

// appIcon is the window icon (generated once; see README "Build").
//
//go:embed build/appicon.png
var appIcon []byte

// openWindow runs the desktop window on the built frontend dist and blocks
// until the window closes. Cancelling ctx (SIGINT, SIGTERM) closes it.
func openWindow(ctx context.Context, dist fs.FS) error {
	prof, err := profile.Open("")
	if err != nil {
		return err
	}
	app := NewApp(ctx, prof)
	err = wails.Run(&options.App{
		Title:  "WeTalk",
		Width:  1100,
		Height: 720,
		// Below 1000 px the side panels become drawers; at the minimum the
		// message box keeps well over 300 px (issue 11).
		MinWidth:         720,
		MinHeight:        520,
		BackgroundColour: &options.RGBA{R: 244, G: 246, B: 251, A: 255},
		AssetServer:      &assetserver.Options{Assets: dist, Handler: web.MediaHandler(app.owner.ImageFile)},
		OnStartup:        app.startup,
		OnShutdown:       app.shutdown,
		OnBeforeClose:    app.beforeClose,
		Bind:             []any{app, app.owner.Session()},
		// Files dropped on the window come to the page as paths (the
		// runtime's OnFileDrop), which it shares with App.ShareDropped;
		// the web view still sees the drop, so that the drop area lights up.
		DragAndDrop: &options.DragAndDrop{EnableFileDrop: true},
		// A refusal reaches the page as a session.Failure (backend.ts).
		ErrorFormatter: func(err error) any { return session.Describe(err) },
		Linux: &linux.Options{
			Icon:        appIcon,
			ProgramName: "wetalk",
			// Software rendering: works under Xvfb and on machines without GPU drivers.
			WebviewGpuPolicy: linux.WebviewGpuPolicyNever,
		},
	})
	if err != nil {
		return fmt.Errorf("desktop window: %w", err)
	}
	return nil
}
