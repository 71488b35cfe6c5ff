package client

// KnownFiles is how many announced files c remembers, for tests that check
// a host cannot grow it without bound.
func KnownFiles(c *Client) int {
	c.xf.mu.Lock()
	defer c.xf.mu.Unlock()
	return len(c.xf.files)
}

// MaxKnownFiles exports maxKnownFiles to tests.
const MaxKnownFiles = maxKnownFiles
