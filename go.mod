module github.com/harkdesk/hark

go 1.26
