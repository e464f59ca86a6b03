# ruff: noqa: E501 - JavaScript kept on one line per statement, as the CMS prints it
"""The list pagers of the CMS families. Real list pages print their pager with JavaScript, so the page count is only
in a script: createPageHTML(n, i, "index", "html") on TRS WCM / the Chongqing platform, `var countPage = n` on the
Jiangxi platform and on plain TRS sites.
"""

from __future__ import annotations

# The TRS WCM pager as real list pages inline it (tests/fixtures/site-samples/yzq_gov_cn_2017_zwyw_list_page_trs.html).
TRS_PAGER_SCRIPT = """<script>
<!--
function createPageHTML(_nPageCount, _nCurrIndex, _sPageName, _sPageExt)
{
//tita 翻页函数
var styleDIY = "fystyle";
if(_nPageCount == null || _nPageCount<=0){
return;
}
document.write("　　");
if(_nCurrIndex==0)
	document.write("<font class=\\"" + styleDIY +"\\">首页</font> <font class=\\"" + styleDIY +"\\">上一页</font> ");
else
	document.write("<a href=\\""+_sPageName+"."+_sPageExt+"\\" class=\\"" + styleDIY +"\\">首页</a> <a href=\\""+(_nCurrIndex==1?_sPageName:_sPageName+"_"+(_nCurrIndex-1))+"."+_sPageExt+"\\" class=\\"" + styleDIY +"\\">上一页</a> ");
if(_nCurrIndex<_nPageCount-1)
	document.write("<a href=\\""+_sPageName+"_" + (_nCurrIndex+1) + "."+_sPageExt+"\\" class=\\"" + styleDIY +"\\">下一页</a> <a href=\\""+_sPageName+"_" + (_nPageCount-1) + "."+_sPageExt+"\\" class=\\"" + styleDIY +"\\">尾页</a>");
else
	document.write("<font class=\\"" + styleDIY +"\\">下一页</font> <font class=\\"" + styleDIY +"\\">尾页</font>");
document.write("　<font class=\\"" + styleDIY +"\\">总共" + _nPageCount + "页</font>　");
document.write("<font class=\\"" + styleDIY +"\\">当前第" + (_nCurrIndex+1) + "页</font>　");
} //WCM置标
-->
</script>"""


def count_page_script(count: int, current: int, name: str, ext: str, second: int) -> str:
    """The `var countPage` pager: page 0 is name.ext, page i is name_(i - 1 + second).ext.

    Plain TRS numbers the second page index_1.html (second=1); the Jiangxi platform list_2.html (second=2).
    """
    return f"""<div id="page_div"></div>
<script type="text/javascript">
var currentPage = {current};//所在页从0开始
var countPage = {count};//共多少页
var firstName = "{name}.{ext}";
function pageName(i) {{ return i == 0 ? firstName : "{name}_" + (i - 1 + {second}) + ".{ext}"; }}
var html = "共" + countPage + "页&nbsp;&nbsp;";
if (currentPage > 0) html += "<a href=\\"" + firstName + "\\">首页</a>&nbsp;<a href=\\"" + pageName(currentPage - 1) + "\\">上一页</a>&nbsp;";
if (currentPage < countPage - 1) html += "<a href=\\"" + pageName(currentPage + 1) + "\\">下一页</a>&nbsp;<a href=\\"" + pageName(countPage - 1) + "\\">尾页</a>";
document.getElementById("page_div").innerHTML = html;
</script>"""
