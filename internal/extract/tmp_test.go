package extract

import (
	"bytes"
	"os"
	"testing"

	"golang.org/x/net/html"
)

func TestTmpClean(t *testing.T) {
	b, _ := os.ReadFile("/tmp/p.html")
	doc, _ := html.Parse(bytes.NewReader(b))
	p := &page{doc: doc, opt: Options{Location: paris()}}
	p.scanHead()
	total := countLetters(textOf(p.body))
	walk(p.body, func(n *html.Node) bool {
		if isJunkTag(n) {
			k := countLetters(textOf(n))
			if k > total/5 {
				t.Log("junk", n.Data, classOf(n), k, total)
			}
			return false
		}
		cls := classOf(n)
		strong, weak, positive := classVerdict(cls)
		if strong || weak && !positive || isHidden(n) {
			k := countLetters(textOf(n))
			if k > total/5 {
				t.Log("cls", n.Data, cls, k, total, strong, weak, positive, isHidden(n))
			}
		}
		return true
	})
}
